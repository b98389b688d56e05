"""Runtime code of the client portal (packaged into the Lambda)."""
