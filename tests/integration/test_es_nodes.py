"""The two Elasticsearch nodes side by side: the 8.x client fixture, `es_node` over both, and finding the 8.x one."""

from __future__ import annotations

import pytest

from devservices.locate import locate_elasticsearch8

pytestmark = pytest.mark.integration


def test_es8_client_indexes_and_searches_on_the_8_node(es8_client, es8_url):
    """The 9.x client with `compatible-with=8` bulk-indexes and searches on the 8.19 node."""
    from devservices.elasticsearch import server_version
    from devservices.testing import remove_prefixed, unique_name

    index = unique_name() + "-logs"
    try:
        es8_client.index(index=index, id="evt-1", document={"message": "vessel MSC ARIES berthed"}, refresh=True)
        bulk = es8_client.bulk(operations=[{"create": {"_index": index, "_id": "evt-2"}}, {"message": "crane 7 offline"}], refresh=True)
        hits = es8_client.search(index=index, query={"match": {"message": "offline"}})["hits"]["hits"]

        assert (server_version(es8_url).split(".")[0], bulk["errors"], [h["_id"] for h in hits]) == ("8", False, ["evt-2"])
    finally:
        remove_prefixed(es8_client, index)


def test_plain_9_client_is_refused_by_the_8_node_even_with_headers(es8_url):
    """Why `es8_client` rewrites headers in its transport: client-level `headers=` are overridden per call."""
    from elasticsearch import BadRequestError, Elasticsearch

    compat = "application/vnd.elasticsearch+json; compatible-with=8"
    client = Elasticsearch(es8_url, headers={"accept": compat, "content-type": compat})
    try:
        with pytest.raises(BadRequestError) as refused:
            client.count(index="*")
    finally:
        client.close()

    assert refused.value.error == "media_type_header_exception"


def test_es_node_runs_the_body_on_each_major(es_node, request):
    """Each `es_node` is the major its id names; a document indexed under its prefix is counted on that node."""
    index = es_node.index_prefix + "logs"
    es_node.client.index(index=index, id="evt-1", document={"message": "gate 4 open"}, refresh=True)

    count = es_node.client.count(index=index)["count"]

    assert (f"es{es_node.major}", count) == (request.node.callspec.id, 1)


def test_es8_url_naming_a_9_node_is_not_taken(monkeypatch, es_url):
    """PORTTRACK_ES8_URL pointing at the 9.x node gives no address, and the reason names the URL."""
    monkeypatch.setenv("PORTTRACK_ES8_URL", es_url)

    found = locate_elasticsearch8(allow_containers=False)

    assert (found.address, es_url in found.reason, "8.x" in found.reason) == (None, True, True)
