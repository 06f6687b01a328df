"""Small MaxMind databases for the geoip tests, written with mmdb-writer (City, Country, ASN)."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

CITY_RECORD = {
    "city": {"names": {"en": "Hamburg"}},
    "continent": {"code": "EU", "names": {"en": "Europe"}},
    "country": {"iso_code": "DE", "names": {"en": "Germany"}},
    "location": {"latitude": 53.55, "longitude": 9.99, "time_zone": "Europe/Berlin"},
    "postal": {"code": "20457"},
    "subdivisions": [{"iso_code": "HH", "names": {"en": "Hamburg"}}],
}
US_RECORD = {
    "city": {"names": {"en": "Seattle"}},
    "continent": {"code": "NA", "names": {"en": "North America"}},
    "country": {"iso_code": "US", "names": {"en": "United States"}},
    "location": {"latitude": 47.6, "longitude": -122.3, "metro_code": 819, "time_zone": "America/Los_Angeles"},
    "subdivisions": [{"iso_code": "WA", "names": {"en": "Washington"}}],
}
ASN_RECORD = {"autonomous_system_number": 64500, "autonomous_system_organization": "PortTrack Transit"}


def write(path: Path, kind: str, networks: dict[str, dict]) -> Path:
    """A database of type `GeoLite2-<kind>` holding `networks` (CIDR -> record)."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=f"GeoLite2-{kind}")
    for network, record in networks.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


def databases(directory: Path) -> dict[str, Path]:
    """City, Country and ASN databases: 203.0.113.0/24 in Hamburg, 198.51.100.0/24 and
    2001:db8::/32 in Seattle, AS 64500 on 203.0.113.0/24."""
    country = {k: v for k, v in CITY_RECORD.items() if k in ("continent", "country")}
    return {
        "City": write(directory / "City.mmdb", "City", {"203.0.113.0/24": CITY_RECORD, "198.51.100.0/24": US_RECORD,
                                                          "2001:db8::/32": US_RECORD}),
        "Country": write(directory / "Country.mmdb", "Country", {"203.0.113.0/24": country}),
        "ASN": write(directory / "ASN.mmdb", "ASN", {"203.0.113.0/24": ASN_RECORD}),
    }


if __name__ == "__main__":  # rebuild the corpus's database: python -m tests.filters._mmdb
    target = Path(__file__).resolve().parents[1] / "data" / "geoip"
    target.mkdir(exist_ok=True)
    databases(target)
