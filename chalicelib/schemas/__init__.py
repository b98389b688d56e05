"""What the API and the booking queue receive (pydantic models) and what the API
returns (``TypedDict``s, see ``schemas/common.py``).

The same classes validate requests, check answers (tests, the local stack) and
generate the OpenAPI document, so the three agree. Models are built on first
use (``defer_build``) and the package is imported lazily, to keep cold starts short.
"""
