"""The pynamodb models and infra/resources.json must declare the same tables."""

from __future__ import annotations

import pytest
from pynamodb.attributes import TTLAttribute

from chalicelib.config import settings
from chalicelib.store import ALL_MODELS
from infra.provision import table_definitions


def _keys(schema):
    return sorted((k["AttributeName"], k["KeyType"]) for k in schema)


def _model_view(model):
    schema = model._get_schema()
    ttl = [name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)]
    return {
        "keys": _keys(schema["key_schema"]),
        "attributes": sorted(
            (a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]
        ),
        "indexes": sorted(
            (g["index_name"], tuple(_keys(g["key_schema"])), g["projection"]["ProjectionType"])
            for g in schema.get("global_secondary_indexes", [])
        ),
        "ttl": ttl[0] if ttl else None,
    }


def _template_view(props):
    return {
        "keys": _keys(props["KeySchema"]),
        "attributes": sorted(
            (a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]
        ),
        "indexes": sorted(
            (g["IndexName"], tuple(_keys(g["KeySchema"])), g["Projection"]["ProjectionType"])
            for g in props.get("GlobalSecondaryIndexes", [])
        ),
        "ttl": (props.get("TimeToLiveSpecification") or {}).get("AttributeName"),
    }


def _entity(model):
    return model.Meta.table_name.removeprefix(settings().table_prefix)


def test_every_model_has_a_table_and_every_table_a_model():
    assert sorted(_entity(m) for m in ALL_MODELS) == sorted(table_definitions())


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_model_matches_template(model):
    declared = table_definitions()[_entity(model)]
    assert _model_view(model) == _template_view(declared)


def test_provisioned_tables_have_ttl_enabled(aws_env):
    import boto3

    dynamodb = boto3.client("dynamodb")
    for model in ALL_MODELS:
        ttl = _model_view(model)["ttl"]
        description = dynamodb.describe_time_to_live(TableName=model.Meta.table_name)
        status = description["TimeToLiveDescription"]
        if ttl:
            assert status["TimeToLiveStatus"] == "ENABLED" and status["AttributeName"] == ttl
        else:
            assert status["TimeToLiveStatus"] == "DISABLED"
