"""The Firestore indexes, field overrides and TTL policies in infra/ are exactly those the
storage adapter declares in calsync.store.indexes."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest

from tests.infra.terraform import Config, Evaluator

Composite = tuple[str, str, tuple[tuple[str, str], ...]]
Override = tuple[str, str, bool, frozenset[tuple[str, str]]]


@pytest.fixture(scope="module")
def indexes() -> ModuleType:
    """The storage adapter's declarations (imported here, so that only these checks fail
    while the adapter is missing)."""
    return importlib.import_module("calsync.store.indexes")


def _instances(
    config: Config, evaluator: Evaluator, kind: str
) -> list[tuple[Evaluator, dict[str, Any]]]:
    found = []
    for raw in config.resources_of(kind).values():
        for instance in evaluator.instances(raw).values():
            found.append((instance, raw))
    return found


def _terraform_composites(config: Config, evaluator: Evaluator) -> list[Composite]:
    made = []
    for instance, raw in _instances(config, evaluator, "google_firestore_index"):
        body = instance.block(raw)
        assert body["database"] == "${google_firestore_database.main.name}"
        fields = instance.dynamic(raw, "fields") + body.get("fields", [])
        made.append(
            (
                body["collection"],
                body.get("query_scope", "COLLECTION"),
                tuple((f["field_path"], f["order"]) for f in fields),
            )
        )
    return made


def _terraform_overrides(config: Config, evaluator: Evaluator) -> list[Override]:
    made = []
    for instance, raw in _instances(config, evaluator, "google_firestore_field"):
        body = instance.block(raw)
        assert body["database"] == "${google_firestore_database.main.name}"
        (index_config,) = raw["index_config"]
        single = instance.dynamic(index_config, "indexes") + [
            instance.block(i) for i in index_config.get("indexes", [])
        ]
        ttl = instance.dynamic(raw, "ttl_config") + raw.get("ttl_config", [])
        assert len(ttl) <= 1
        made.append(
            (
                body["collection"],
                body["field"],
                bool(ttl),
                frozenset((i["order"], i["query_scope"]) for i in single),
            )
        )
    return made


def test_composite_indexes_match_the_storage_adapter(
    config: Config, evaluator: Evaluator, indexes: ModuleType
) -> None:
    declared = [
        (
            index.collection_group,
            index.scope.value,
            tuple((f.path, f.order.value) for f in index.fields),
        )
        for index in indexes.COMPOSITE_INDEXES
    ]
    made = _terraform_composites(config, evaluator)
    assert len(made) == len(set(made)), "an index declared twice"
    assert sorted(made) == sorted(declared)


def test_field_overrides_and_ttl_policies_match_the_storage_adapter(
    config: Config, evaluator: Evaluator, indexes: ModuleType
) -> None:
    declared = [
        (
            override.collection_group,
            override.field,
            override.ttl,
            frozenset((i.order.value, i.scope.value) for i in override.indexes),
        )
        for override in indexes.FIELD_OVERRIDES
    ]
    made = _terraform_overrides(config, evaluator)
    assert len({(c, f) for c, f, _, _ in made}) == len(made), "a field overridden twice"
    assert sorted(made, key=repr) == sorted(declared, key=repr)
    short_lived = {("oauth_states", "expires_at"), ("conflicts", "expires_at")}
    assert {(c, f) for c, f, ttl, _ in made if ttl} >= short_lived


def test_the_database_is_native_and_kept_on_destroy(config: Config, evaluator: Evaluator) -> None:
    (raw,) = config.resources_of("google_firestore_database").values()
    database = evaluator.block(raw)
    assert database["type"] == "FIRESTORE_NATIVE"
    assert database["name"] == "(default)"
    assert database["delete_protection_state"] == "DELETE_PROTECTION_ENABLED"
    assert database["deletion_policy"] == "ABANDON"
