"""CloudFormation for what Chalice does not create; `python -m infra.build` packages a stage."""
