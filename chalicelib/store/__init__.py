"""Storage: the DynamoDB tables (models), AWS clients (aws), S3 bodies (storage) and raw item reads."""
