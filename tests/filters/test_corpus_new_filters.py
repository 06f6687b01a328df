"""The corpus configurations that use issue 13's filters: field-level expectations, on the
generated code and the steps alike (tests/data/configs/13_* to 15_*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from porttrack_logs.pipeline import Pipeline
from porttrack_logs.pipeline.steps import FAILURE_TAG

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "configs"

#: per configuration: an input event and, per event that must come out (in order), field values
CASES = {
    "13_web_geoip_useragent.conf": (
        {"message": '203.0.113.9 - ops [27/Nov/2026:06:01:02 +0000] "GET /api/v1/berths%3Fq%3Dx HTTP/1.1" 503 512 "-" '
                    '"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"'},
        [{"[source][geo][city_name]": "Hamburg", "[source][geo][country_iso_code]": "DE",
          "[source][geo][location]": {"lat": 53.55, "lon": 9.99}, "[source][as][number]": 64500,
          "[user_agent][name]": "Firefox", "[user_agent][version]": "121.0", "[user_agent][os][name]": "Linux",
          "[url][original]": "/api/v1/berths?q=x", "agent": None, "tags": None}],
    ),
    "14_firewall_csv_translate.conf": (
        {"message": "<34>10.1.2.3,203.0.113.9,22,D"},
        [{"[log][syslog][severity][name]": "critical", "[log][syslog][facility][code]": 4,
          "[fw][dport]": 22, "[fw][verdict]": "deny", "tags": ["internal_source"], "rest": None,
          "message": "<34>10.1.2.3,203"}],
    ),
    "15_orders_xml_split_clone.conf": (
        {"message": '<order id="7"><item>a</item><item>b</item></order>\n<order id="8"/>'},
        [{"order_id": ["7"], "item_count": 2.0, "[order][item]": ["a", "b"], "type": None},
         {"order_id": ["7"], "type": "audit", "message": None},
         {"order_id": ["8"], "item_count": 0.0, "[order][id]": "8", "type": None},
         {"order_id": ["8"], "type": "audit", "order": None}],
    ),
}


@pytest.mark.parametrize("generate", [True, False], ids=["generated", "steps"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_configuration_extracts_expected_fields(name, generate):
    """Each configuration's typical line comes out as the events and fields it is written for."""
    given, expected = CASES[name]
    out = Pipeline.from_config(CONFIGS / name, generate_code=generate).process([dict(given)])
    assert len(out) == len(expected), [e.to_dict() for e in out]
    for event, fields in zip(out, expected):
        assert FAILURE_TAG not in event.tags
        for ref, value in fields.items():
            assert event.get(ref) == value, (ref, event.to_dict())


def test_the_corpus_databases_are_the_ones_the_tests_build(tmp_path):
    """tests/data/geoip holds what tests/filters/_mmdb.py writes (rebuild: python -m tests.filters._mmdb)."""
    import maxminddb

    from . import _mmdb

    fresh = _mmdb.databases(tmp_path)
    for kind, path in fresh.items():
        kept = CONFIGS.parent / "geoip" / path.name
        with maxminddb.open_database(str(path)) as a, maxminddb.open_database(str(kept)) as b:
            for ip in ("203.0.113.9", "198.51.100.1", "2001:db8::1", "192.0.2.1"):
                assert a.get(ip) == b.get(ip), (kind, ip)
