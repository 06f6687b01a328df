"""geoip: City, Country and ASN databases written by mmdb-writer; both layouts; failures as tags."""

from __future__ import annotations

import ipaddress
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.codec import decode_event
from porttrack_logs.errors import ConfigError
from porttrack_logs.event import Event
from porttrack_logs.filters.geoip import GeoipFilter

from . import _mmdb

HAMBURG_ECS = {"city_name": "Hamburg", "country_name": "Germany", "continent_code": "EU", "continent_name": "Europe",
               "country_iso_code": "DE", "postal_code": "20457", "region_name": "Hamburg", "region_iso_code": "DE-HH",
               "timezone": "Europe/Berlin", "location": {"lat": 53.55, "lon": 9.99}}


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    return _mmdb.databases(tmp_path_factory.mktemp("mmdb"))


CASES = [
    ("ecs-source-ip", "City", {"source": "[source][ip]"}, {"source": {"ip": "203.0.113.7"}},
     {"source": {"ip": "203.0.113.7", "geo": HAMBURG_ECS}}),
    ("ecs-client-bare", "City", {"source": "client", "fields": ["ip", "city_name", "location"]}, {"client": "203.0.113.7"},
     {"client": {"ip": "203.0.113.7", "geo": {"city_name": "Hamburg", "location": {"lat": 53.55, "lon": 9.99}}}}),
    ("ecs-dma-in-mmdb", "City", {"source": "[client][ip]", "fields": ["dma_code", "region_iso_code"]},
     {"client": {"ip": "198.51.100.4"}},
     {"client": {"ip": "198.51.100.4", "geo": {"region_iso_code": "US-WA"}, "mmdb": {"dma_code": 819}}}),
    ("legacy-default-target", "City", {"source": "clientip", "ecs_compatibility": "disabled"}, {"clientip": "198.51.100.1"},
     {"clientip": "198.51.100.1", "geoip": {
         "city_name": "Seattle", "continent_code": "NA", "country_code2": "US", "country_code3": "US",
         "country_name": "United States", "dma_code": 819, "ip": "198.51.100.1", "latitude": 47.6, "longitude": -122.3,
         "location": {"lat": 47.6, "lon": -122.3}, "region_code": "WA", "region_name": "Washington",
         "timezone": "America/Los_Angeles"}}),
    ("legacy-ipv6", "City", {"source": "ip", "ecs_compatibility": "disabled", "fields": ["city_name"]}, {"ip": "2001:db8::5"},
     {"ip": "2001:db8::5", "geoip": {"city_name": "Seattle"}}),
    ("asn-ecs", "ASN", {"source": "[destination][ip]"}, {"destination": {"ip": "203.0.113.1"}},
     {"destination": {"ip": "203.0.113.1", "as": {"number": 64500, "organization": {"name": "PortTrack Transit"}}}}),
    ("asn-legacy", "ASN", {"source": "ip", "target": "net", "ecs_compatibility": "disabled"}, {"ip": "203.0.113.1"},
     {"ip": "203.0.113.1", "net": {"ip": "203.0.113.1", "asn": 64500, "as_org": "PortTrack Transit"}}),
    ("country", "Country", {"source": "ip", "target": "geo", "ecs_compatibility": "disabled"}, {"ip": "203.0.113.1"},
     {"ip": "203.0.113.1", "geo": {"ip": "203.0.113.1", "country_code2": "DE", "country_code3": "DE",
                                   "country_name": "Germany", "continent_name": "Europe", "continent_code": "EU"}}),
    ("not-found", "City", {"source": "ip", "target": "g", "add_tag": ["geo"]}, {"ip": "192.0.2.1"},
     {"ip": "192.0.2.1", "tags": ["_geoip_lookup_failure"]}),
    ("not-an-ip", "City", {"source": "ip", "target": "g", "tag_on_failure": ["nogeo"]}, {"ip": "berth-7"},
     {"ip": "berth-7", "tags": ["nogeo"]}),
    ("array-first", "City", {"source": "ip", "target": "g", "fields": ["country_iso_code"]},
     {"ip": ["203.0.113.2", "192.0.2.1"]}, {"ip": ["203.0.113.2", "192.0.2.1"], "g": {"geo": {"country_iso_code": "DE"}}}),
    ("missing-source", "City", {"source": "ip", "target": "g", "add_tag": ["x"]}, {"other": 1}, {"other": 1}),
    ("add-tag-on-success", "City", {"source": "ip", "target": "g", "fields": ["city_name"], "add_tag": ["located"]},
     {"ip": "203.0.113.2"}, {"ip": "203.0.113.2", "g": {"geo": {"city_name": "Hamburg"}}, "tags": ["located"]}),
    ("merge-into-target", "City", {"source": "[client][ip]", "fields": ["city_name"]},
     {"client": {"ip": "203.0.113.2", "port": 443}}, {"client": {"ip": "203.0.113.2", "port": 443, "geo": {"city_name": "Hamburg"}}}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_geoip_case(case, dbs):
    """Each case on Event(dict) and on a lazily decoded event: the fields Logstash writes."""
    _, kind, options, given_, expected = case
    flt = GeoipFilter(database=str(dbs[kind]), **options)
    raw = json.dumps(given_).encode()
    for how, event in (("dict", Event(json.loads(raw))), ("decode_event", decode_event(raw))):
        flt.filter(event)
        got = {k: v for k, v in event.to_dict().items() if not k.startswith("@")}
        assert got == expected, how


def test_database_type_comes_from_the_file(dbs):
    """The database's own metadata says City, Country or ASN."""
    assert [GeoipFilter(source="[client][ip]", database=str(dbs[k])).kind for k in ("City", "Country", "ASN")] == \
        ["City", "Country", "ASN"]


def test_ecs_needs_a_target_for_a_plain_source(dbs):
    """In ECS mode a source such as `clientip` gives no target to derive: a start-up error naming target."""
    with pytest.raises(ConfigError) as info:
        GeoipFilter(source="clientip", database=str(dbs["City"]))
    assert info.value.option == "target" and "clientip" in str(info.value)


def test_missing_database_is_a_config_error(tmp_path):
    """A database path that does not exist is named at start-up."""
    with pytest.raises(ConfigError) as info:
        GeoipFilter(source="[client][ip]", database=str(tmp_path / "nope.mmdb"))
    assert info.value.option == "database" and "nope.mmdb" in str(info.value)


def test_unknown_field_is_a_config_error(dbs):
    """A name in `fields` Logstash does not know is refused, listing the known ones."""
    with pytest.raises(ConfigError) as info:
        GeoipFilter(source="[client][ip]", database=str(dbs["City"]), fields=["galaxy"])
    assert info.value.option == "fields" and "city_name" in str(info.value)


def test_cached_lookup_is_not_shared_between_events(dbs):
    """Two events looking up the same address get their own hashes (the cache hands out copies)."""
    flt = GeoipFilter(source="ip", target="g", database=str(dbs["City"]), ecs_compatibility="disabled")
    a, b = Event({"ip": "203.0.113.3"}), Event({"ip": "203.0.113.3"})
    flt.filter(a)
    flt.filter(b)
    a.get("[g][location]")["lat"] = 0
    assert b.get("[g][location][lat]") == 53.55


@settings(max_examples=300, deadline=None)
@given(ip=st.one_of(st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str),
                    st.sampled_from(["203.0.113.250", "198.51.100.0", "2001:db8:ffff::1"]),
                    st.text(max_size=20)))
def test_random_addresses_never_raise(ip, dbs):
    """Any text: either the database knows the address and fields appear, or the failure tag does."""
    flt = GeoipFilter(source="ip", target="g", database=str(dbs["City"]))
    event = Event({"ip": ip})
    flt.filter(event)
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        addr = None
    known = addr is not None and any(addr in ipaddress.ip_network(n) for n in
                                     ("203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32", "::ffff:203.0.113.0/120",
                                      "::ffff:198.51.100.0/120"))
    if ip == "":
        assert event.tags == [] and event.get("g") is None
    elif known:
        assert event.get("[g][geo][country_iso_code]") in ("DE", "US"), ip
    else:
        assert event.tags == ["_geoip_lookup_failure"] and event.get("g") is None, ip
