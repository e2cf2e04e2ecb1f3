"""CDK app of the serverless deployment (see infra/cdk/app.py)."""
