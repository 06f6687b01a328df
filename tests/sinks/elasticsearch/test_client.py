"""The client's answer reading: a quiet `_bulk` answer (no errors, items filtered) is counted and its
items decoded only when read, the same values as a full decode; every other answer is decoded whole."""

from __future__ import annotations

import orjson
import pytest

from porttrack_logs.sinks.elasticsearch.client import _OrjsonCompat
from tests.sinks.elasticsearch.support import load


@pytest.mark.parametrize("major", ["es9", "es8"])
def test_a_quiet_bulk_answer_counts_its_items_and_reads_them_as_a_full_decode_would(major):
    """The real all-created answers, as the node sends them (compact): one item per action, same values."""
    wire = orjson.dumps(load(f"all_created_{major}.json"))
    assert wire.startswith(b'{"errors":false,"items":[')

    answer = _OrjsonCompat().loads(wire)

    expected = orjson.loads(wire)
    assert answer["errors"] is False and len(answer["items"]) == len(expected["items"]) == 3
    assert answer["items"] == expected["items"] and list(answer["items"]) == expected["items"]
    assert answer["items"][1] == {"create": {"status": 201}} and answer["items"][-1] == expected["items"][-1]


@pytest.mark.parametrize("name", ["mixed_es9.json", "item_429_es8.json", "request_413_es9.json"])
def test_answers_with_errors_and_other_bodies_are_decoded_whole(name):
    """Errors reported: plain dicts and lists, exactly orjson's reading."""
    wire = orjson.dumps(load(name))

    answer = _OrjsonCompat().loads(wire)

    assert answer == orjson.loads(wire)
    if isinstance(answer, dict) and "items" in answer:
        assert type(answer["items"]) is list


def test_a_quiet_start_with_unusual_items_still_reads_every_item():
    """Items holding more than a status (another filter_path): counted and read the same."""
    wire = b'{"errors":false,"items":[{"index":{"_id":"a","status":201,"result":"created"}},{"index":{"status":200}}],"took":3}'

    answer = _OrjsonCompat().loads(wire)

    assert len(answer["items"]) == 2 and answer["items"] == orjson.loads(wire)["items"]


def test_a_broken_answer_fails_as_a_full_decode_does():
    """Not JSON after the quiet start: the same error orjson raises, nothing counted."""
    with pytest.raises(orjson.JSONDecodeError):
        _OrjsonCompat().loads(b'{"errors":false,"items":[{"create":')
