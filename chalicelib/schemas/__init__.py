"""Pydantic models of what the API and the booking queue receive and return.

They validate requests and generate the OpenAPI document, so the two agree.
Models are built on first use (``defer_build``) to keep cold starts short.
"""
