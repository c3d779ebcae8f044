"""Protocol details the high-level client does not reach, through the official client's
generated API layer (``client._firestore_api``): lazily begun transactions, null results,
Listen, and bad requests the client would refuse before sending."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.types import firestore as fs
from google.cloud.firestore_v1.types import query as q
from google.cloud.firestore_v1.types import write

ROOT = "projects/calsync-test/databases/(default)"
DOCS = f"{ROOT}/documents"


def structured(collection: str) -> q.StructuredQuery:
    return q.StructuredQuery(from_=[q.StructuredQuery.CollectionSelector(collection_id=collection)])


def test_a_query_can_begin_the_transaction_lazily(firestore_client: firestore.Client):
    api = firestore_client._firestore_api
    firestore_client.document("jobs/j1").set({"state": "queued"})
    request = fs.RunQueryRequest(
        parent=DOCS,
        structured_query=structured("jobs"),
        new_transaction={"read_write": {}},
    )
    responses = list(api.run_query(request=request))
    transaction = responses[0].transaction
    assert transaction
    assert [r.document.name for r in responses] == [f"{DOCS}/jobs/j1"]
    update = write.Write(
        update={"name": f"{DOCS}/jobs/j1", "fields": {"state": {"string_value": "done"}}}
    )
    api.commit(request={"database": ROOT, "writes": [update], "transaction": transaction})
    assert firestore_client.document("jobs/j1").get().get("state") == "done"


def test_batch_get_can_begin_a_read_only_transaction(firestore_client: firestore.Client):
    api = firestore_client._firestore_api
    request = fs.BatchGetDocumentsRequest(
        database=ROOT, documents=[f"{DOCS}/jobs/none"], new_transaction={"read_only": {}}
    )
    (response,) = list(api.batch_get_documents(request=request))
    assert response.transaction
    assert response.missing == f"{DOCS}/jobs/none"
    write_attempt = write.Write(update={"name": f"{DOCS}/jobs/x"})
    with pytest.raises(exceptions.InvalidArgument):
        api.commit(
            request={
                "database": ROOT,
                "writes": [write_attempt],
                "transaction": response.transaction,
            }
        )


def test_avg_over_no_numbers_is_null_and_sum_is_integer_zero(firestore_client: firestore.Client):
    firestore_client.document("amounts/a").set({"v": "text"})
    aggregations = [
        q.StructuredAggregationQuery.Aggregation(alias="m", avg={"field": {"field_path": "v"}}),
        q.StructuredAggregationQuery.Aggregation(alias="s", sum={"field": {"field_path": "v"}}),
    ]
    request = fs.RunAggregationQueryRequest(
        parent=DOCS,
        structured_aggregation_query={
            "structured_query": structured("amounts"),
            "aggregations": aggregations,
        },
    )
    (response,) = list(firestore_client._firestore_api.run_aggregation_query(request=request))
    fields = response.result.aggregate_fields
    assert "null_value" in fields["m"]
    assert "integer_value" in fields["s"]
    assert fields["s"].integer_value == 0


def test_listen_is_unimplemented_with_a_clear_message(firestore_client: firestore.Client):
    target = fs.ListenRequest(
        database=ROOT, add_target={"documents": {"documents": [f"{DOCS}/a/b"]}, "target_id": 1}
    )
    with pytest.raises(exceptions.MethodNotImplemented, match="Listen"):
        list(firestore_client._firestore_api.listen(requests=iter([target])))


@pytest.mark.parametrize(
    "bad_write",
    [
        {
            "update": {"name": f"{DOCS}/c/d"},
            "update_transforms": [{"field_path": "n", "increment": {"string_value": "1"}}],
        },
        {"update": {"name": f"{DOCS}/c/d"}, "update_mask": {"field_paths": ["a..b"]}},
        {"update": {"name": f"{DOCS}/c"}},
        {"update": {"name": "projects/other/databases/(default)/documents/c/d"}},
        {"update": {"name": f"{DOCS}/c/d", "fields": {"r": {"reference_value": "nonsense"}}}},
        {"update": {"name": f"{DOCS}/c/d", "fields": {"": {"integer_value": 1}}}},
        {
            "delete": f"{DOCS}/c/d",
            "update_transforms": [{"field_path": "n", "increment": {"integer_value": 1}}],
        },
    ],
)
def test_bad_writes_are_invalid_argument(firestore_client: firestore.Client, bad_write: dict):
    with pytest.raises(exceptions.InvalidArgument):
        firestore_client._firestore_api.commit(request={"database": ROOT, "writes": [bad_write]})


def test_bad_requests_get_the_service_status_and_the_server_keeps_serving(
    firestore_client: firestore.Client,
):
    api = firestore_client._firestore_api
    with pytest.raises(exceptions.InvalidArgument):
        api.commit(request={"database": "projects/x", "writes": []})
    with pytest.raises(exceptions.InvalidArgument):
        api.commit(request={"database": ROOT, "writes": [], "transaction": b"not-a-transaction"})
    with pytest.raises(exceptions.InvalidArgument):
        api.get_document(request={"name": f"{DOCS}/only-a-collection"})
    duplicated = [{"update": {"name": f"{DOCS}/c/d"}}, {"delete": f"{DOCS}/c/d"}]
    with pytest.raises(exceptions.InvalidArgument):
        api.batch_write(request={"database": ROOT, "writes": duplicated})
    too_long_cursor = structured("c")
    too_long_cursor.start_at = {"values": [{"integer_value": 1}, {"integer_value": 2}]}
    with pytest.raises(exceptions.InvalidArgument):
        list(api.run_query(request={"parent": DOCS, "structured_query": too_long_cursor}))
    two_sources = q.StructuredQuery(from_=[{"collection_id": "a"}, {"collection_id": "b"}])
    with pytest.raises(exceptions.InvalidArgument):
        list(api.run_query(request={"parent": DOCS, "structured_query": two_sources}))
    firestore_client.document("still/alive").set({"ok": True})
    assert firestore_client.document("still/alive").get().get("ok") is True


def test_listings_page_with_the_tokens_they_return(firestore_client: firestore.Client):
    api = firestore_client._firestore_api
    for doc_id in ("a", "b", "c"):
        firestore_client.document(f"pages/{doc_id}").set({})
        firestore_client.document(f"c{doc_id}/x").set({})
    names, token = [], ""
    while True:
        page = api.list_documents(
            request={"parent": DOCS, "collection_id": "pages", "page_size": 2, "page_token": token}
        )
        names += [d.name.rsplit("/", 1)[1] for d in page.documents]
        token = page.next_page_token
        if not token:
            break
    assert names == ["a", "b", "c"]
    first = api.list_collection_ids(request={"parent": DOCS, "page_size": 2})
    rest = api.list_collection_ids(
        request={"parent": DOCS, "page_size": 5, "page_token": first.next_page_token}
    )
    assert list(first.collection_ids) + list(rest.collection_ids) == ["ca", "cb", "cc", "pages"]
    assert not rest.next_page_token


def _list_documents(api: Any, **extra: Any) -> Any:
    return api.list_documents(request={"parent": DOCS, "collection_id": "pages", **extra})


def _list_collection_ids(api: Any, **extra: Any) -> Any:
    return api.list_collection_ids(request={"parent": DOCS, **extra})


def _name_query(api: Any, **shape: Any) -> list[Any]:
    query = {"from_": [{"collection_id": "pages"}], **shape}
    return list(api.run_query(request={"parent": DOCS, "structured_query": query}))


COLLECTION_REF = {"reference_value": f"{DOCS}/pages"}
NAME = {"field_path": "__name__"}


@pytest.mark.parametrize(
    "bad_call",
    [
        lambda api: _list_documents(api, page_token="!!not base64!!"),
        lambda api: _list_documents(api, page_token="bm90IG91cnM="),  # base64, not a token
        lambda api: _list_documents(api, page_token=_collection_ids_token(api)),
        lambda api: _list_documents(api, page_size=-1),
        lambda api: _list_collection_ids(api, page_token="%%%"),
        lambda api: _list_collection_ids(api, page_token=_documents_token(api)),
        lambda api: _list_collection_ids(api, page_size=-5),
        lambda api: api.begin_transaction(
            request={"database": ROOT, "options": {"read_write": {"retry_transaction": b"x" * 16}}}
        ),
        lambda api: _name_query(
            api, where={"field_filter": {"field": NAME, "op": "EQUAL", "value": COLLECTION_REF}}
        ),
        lambda api: _name_query(
            api, order_by=[{"field": NAME}], start_at={"values": [COLLECTION_REF]}
        ),
    ],
    ids=[
        "undecodable documents token",
        "foreign documents token",
        "collection-ids token for documents",
        "negative documents page_size",
        "undecodable collection-ids token",
        "documents token for collection ids",
        "negative collection-ids page_size",
        "unknown retry_transaction",
        "__name__ filter on a collection",
        "__name__ cursor on a collection",
    ],
)
def test_bad_listings_retries_and_name_values_are_invalid_argument(
    firestore_client: firestore.Client, bad_call: Any
):
    for doc_id in ("a", "b", "c"):
        firestore_client.document(f"pages/{doc_id}").set({})
        firestore_client.document(f"c{doc_id}/x").set({})
    with pytest.raises(exceptions.InvalidArgument):
        bad_call(firestore_client._firestore_api)


def _documents_token(api: Any) -> str:
    token: str = _list_documents(api, page_size=1).next_page_token
    assert token
    return token


def _collection_ids_token(api: Any) -> str:
    token: str = _list_collection_ids(api, page_size=1).next_page_token
    assert token
    return token
