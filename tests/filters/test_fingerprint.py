"""fingerprint: methods, keys, encodings, and the exact text hashed when concatenating."""

from __future__ import annotations

import hashlib
import re

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.fingerprint import FingerprintFilter, concatenated_text

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("fingerprint"))
def test_fingerprint_case(row):
    """Each row: the behaviour its `behaviour` field names (tests/data/filters/fingerprint.json)."""
    run_case(FingerprintFilter, row)


def test_concatenated_text_layout():
    """concatenate_sources hashes `|name|value|` pairs over the sorted names, then one closing bar."""
    assert concatenated_text([("host", "h1"), ("message", "hello")]) == "|host|h1|message|hello|"


def test_concatenate_sources_sorts_names_and_hashes_the_text():
    """The names are sorted whatever their configured order; a missing field contributes nothing."""
    event = Event({"message": "hello", "host": "h1"})
    FingerprintFilter(method="SHA256", source=["message", "host", "absent"], concatenate_sources=True).filter(event)
    text = "|absent||host|h1|message|hello|"
    assert event.get("fingerprint") == hashlib.sha256(text.encode()).hexdigest()


def test_concatenated_values_print_as_ruby():
    """Numbers, floats and booleans print as Ruby's to_s does; hashes (keys sorted) and arrays are
    pipe-delimited as fingerprint 3.5 writes them, nil inside an array as the empty text."""
    text = concatenated_text([("a", 1), ("b", 2.0), ("c", True), ("d", {"z": 1, "y": "v"}), ("e", [1, None]), ("f", 1e20)])
    assert text == "|a|1|b|2.0|c|true|d|y|v|z|1|e|1||f|1.0e+20|"


@pytest.mark.parametrize(
    ("value", "piped"),
    [
        ([{"inner_key": "x"}, {"1": "2"}], "inner_key|x|1|2"),
        ({"b": {"d": [1, 2], "c": None}, "a": []}, "a||b|c||d|1|2"),
        ([[1, [2.5, "s"]], {}], "1|2.5|s|"),
        ({"t": True, "f": False}, "f|false|t|true"),
    ],
)
def test_concatenated_nested_values_are_pipe_delimited_at_every_depth(value, piped):
    """Nested hashes and arrays: no brackets, no `=>`, keys sorted at every depth (fingerprint 3.5)."""
    assert concatenated_text([("f", value)]) == f"|f|{piped}|"


def test_concatenated_nested_value_gives_fingerprint_35_digest():
    """The digest fingerprint 3.5's spec expects for an array of hashes beside a UTF-8 string."""
    event = Event({"field1": [{"inner_key": "\U0001F0A1"}, {"1": "2"}], "field2": "\U0001F0A1"})
    FingerprintFilter(method="SHA1", source=["field2", "field1"], concatenate_sources=True).filter(event)
    assert event.get("fingerprint") == "d2a1c14e0c9ef137d67114db23b3f2fdbcc90d08"


def test_concatenate_all_fields_covers_every_field():
    """concatenate_all_fields hashes every field (not @metadata), sorted, @timestamp as Logstash prints it."""
    event = Event({"@timestamp": "2020-01-01T00:00:00Z", "b": "2", "a": "1"}, metadata={"skip": "me"})
    FingerprintFilter(method="SHA1", concatenate_all_fields=True).filter(event)
    text = "|@timestamp|2020-01-01T00:00:00.000Z|@version|1|a|1|b|2|"
    assert event.get("fingerprint") == hashlib.sha1(text.encode()).hexdigest()


def test_uuid_is_random_v4():
    """UUID writes a fresh version-4 UUID per event."""
    flt = FingerprintFilter(method="UUID")
    first, second = Event({}), Event({})
    flt.filter(first)
    flt.filter(second)
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert pattern.fullmatch(first.get("fingerprint"))
    assert first.get("fingerprint") != second.get("fingerprint")


def test_unknown_method_is_a_config_error():
    """A method Logstash does not have fails at start-up, naming `method`."""
    with pytest.raises(ConfigError) as info:
        FingerprintFilter(method="CRC32")
    assert info.value.option == "method"


def test_ipv4_network_needs_prefix():
    """IPV4_NETWORK without a numeric key fails at start-up."""
    with pytest.raises(ConfigError, match="prefix length"):
        FingerprintFilter(method="IPV4_NETWORK")


def test_ipv4_network_bad_address_leaves_event():
    """Text that is no address leaves the event without a fingerprint (and the pipeline running)."""
    event = Event({"message": "not-an-ip"})
    FingerprintFilter(method="IPV4_NETWORK", key="24", add_tag=["fp"]).filter(event)
    assert not event.includes("fingerprint") and event.tags == []
