"""sinks/base.py: an event's provenance read in either of its forms."""

from __future__ import annotations

from porttrack_logs.event import Event
from porttrack_logs.sinks.base import PROVENANCE, id_of, place_of
from porttrack_logs.sinks.dead_letter._record import DeadLetter, encode_record


COMPACT = {"offset": 4096, "original": b'{"message":"x"}\n', "stream": "/var/log/pods/a.log@", "stream_id": "0123456789abcdef-"}


def test_the_compact_form_reads_as_the_stream_prefixes_and_the_offset():
    assert place_of(COMPACT) == "/var/log/pods/a.log@4096"
    assert id_of(COMPACT) == "0123456789abcdef-4096"
    assert place_of({**COMPACT, "offset": 0}) == "/var/log/pods/a.log@0" and id_of({**COMPACT, "offset": 0}) == "0123456789abcdef-0"


def test_an_id_or_place_given_wins_over_the_compact_form():
    """What a replay or the Elasticsearch output wrote into the dict is what it holds."""
    given = {**COMPACT, "id": "from-a-record", "place": "dlq segment 3 line 7"}
    assert id_of(given) == "from-a-record" and place_of(given) == "dlq segment 3 line 7"
    assert id_of({"id": "fp", "place": "beats:1.2.3.4:5#1/w1/s1"}) == "fp"


def test_no_provenance_reads_as_no_id_and_no_place():
    half = {k: v for k, v in COMPACT.items() if k != "offset"}  # a filter removed a part of it
    for info in (None, {}, {"original": b"x"}, {"error": "grok raised"}, half):
        assert id_of(info) is None and place_of(info) == ""


def test_a_dead_letter_of_a_stream_event_names_its_place_and_id_as_text():
    """The record's `place` and `id` are the text either form reads as; the stored event keeps the
    compact form, without the original (stored once, beside it)."""
    event = Event({"message": "x"})
    event.metadata[PROVENANCE] = dict(COMPACT)

    record = DeadLetter.parse(0, 0, encode_record("mapping conflict", event=event))

    assert isinstance(record, DeadLetter)
    assert (record.place, record.doc_id, record.original) == ("/var/log/pods/a.log@4096", "0123456789abcdef-4096", COMPACT["original"])
    stored = record.to_dict()["event"]["@metadata"][PROVENANCE]
    assert stored == {k: v for k, v in COMPACT.items() if k != "original"}
