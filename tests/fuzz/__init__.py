"""Fuzzing: schemathesis over the OpenAPI document, and hostile input."""
