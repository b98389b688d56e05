"""What deleting the stack keeps, per stage (``infra/package.py`` calls :func:`apply`).

``infra/resources.json`` marks the stateful resources (tables, photo bucket, code secret)
``Retain``. In a package the stage is fixed, so:

- **dev**: ``Delete``. ``make destroy STAGE=dev`` removes everything (it empties the bucket
  first: CloudFormation cannot delete a bucket with objects), and the next deploy re-creates
  the same names.
- **prod**: ``RetainExceptOnCreate``. Deleting the stack keeps the data (docs/deploying.md says
  how to re-adopt or remove it), but a first create that fails and rolls back deletes what it
  made, so the next deploy is not blocked by left-over tables of the same names.
"""

from __future__ import annotations

from typing import Any

POLICIES = {
    "dev": ("Delete", "Delete"),
    "prod": ("RetainExceptOnCreate", "Retain"),  # (DeletionPolicy, UpdateReplacePolicy)
}


def apply(template: dict[str, Any], stage: str) -> None:
    deletion, replacement = POLICIES[stage]
    for resource in template["Resources"].values():
        if resource.get("DeletionPolicy") == "Retain":
            resource["DeletionPolicy"] = deletion
            resource["UpdateReplacePolicy"] = replacement
