"""The `geoip` filter: where an IP address is, from a MaxMind database (City, Country or ASN).

The database is the file the user names in `database` (GeoLite2/GeoIP2 `.mmdb`), read with
`maxminddb`; its type comes from the file's own metadata. Field names and layouts are Logstash's:
with ECS disabled flat under `target` (default `geoip`), with ECS v1/v8 `[T][geo][...]`,
`[T][as][...]` and `[T][ip]`, where `T` is derived from a source such as `[client][ip]`.
A lookup that finds nothing, or a value that is no IP address, tags `_geoip_lookup_failure`.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import maxminddb
from pydantic import ConfigDict, field_validator

from ..errors import ConfigError
from ..event import Event, field_ref, parse_field_ref
from .base import Filter, FilterOptions, Path, StrList

__all__ = ["GeoipFilter", "DEFAULT_FIELDS"]

Ecs = Literal["disabled", "v1", "v8"]
#: sources from which Logstash derives the ECS target (`[client][ip]` -> `client`)
ECS_TARGETS = ("client", "destination", "host", "observer", "server", "source")

#: per database type and layout: the fields written when `fields` is not given
DEFAULT_FIELDS: dict[tuple[str, bool], tuple[str, ...]] = {
    ("City", False): ("city_name", "continent_code", "country_code2", "country_code3", "country_name", "dma_code",
                      "ip", "latitude", "longitude", "location", "postal_code", "region_code", "region_name",
                      "timezone"),
    ("City", True): ("ip", "city_name", "country_name", "continent_code", "continent_name", "country_iso_code",
                     "postal_code", "region_name", "region_iso_code", "timezone", "location", "dma_code"),
    ("Country", False): ("ip", "country_code2", "country_code3", "country_name", "continent_name", "continent_code"),
    ("Country", True): ("ip", "country_iso_code", "country_name", "continent_code", "continent_name"),
    ("ASN", False): ("ip", "asn", "as_org"),
    ("ASN", True): ("ip", "asn", "as_org"),
}
#: where each field goes under the target, per layout (ECS disabled, ECS)
_PLACES: dict[str, tuple[Path, Path]] = {
    "ip": (("ip",), ("ip",)),
    "city_name": (("city_name",), ("geo", "city_name")),
    "country_name": (("country_name",), ("geo", "country_name")),
    "continent_code": (("continent_code",), ("geo", "continent_code")),
    "continent_name": (("continent_name",), ("geo", "continent_name")),
    "country_code2": (("country_code2",), ("geo", "country_iso_code")),
    "country_code3": (("country_code3",), ("geo", "country_iso_code")),
    "country_iso_code": (("country_code2",), ("geo", "country_iso_code")),
    "postal_code": (("postal_code",), ("geo", "postal_code")),
    "region_name": (("region_name",), ("geo", "region_name")),
    "region_code": (("region_code",), ("geo", "region_iso_code")),
    "region_iso_code": (("region_iso_code",), ("geo", "region_iso_code")),
    "timezone": (("timezone",), ("geo", "timezone")),
    "location": (("location",), ("geo", "location")),
    "latitude": (("latitude",), ("geo", "location", "lat")),
    "longitude": (("longitude",), ("geo", "location", "lon")),
    "dma_code": (("dma_code",), ("mmdb", "dma_code")),
    "asn": (("asn",), ("as", "number")),
    "as_org": (("as_org",), ("as", "organization", "name")),
    "autonomous_system_number": (("asn",), ("as", "number")),
    "autonomous_system_organization": (("as_org",), ("as", "organization", "name")),
}


def _name(node: Any) -> Any:
    names = node.get("names") if isinstance(node, dict) else None
    return names.get("en") if isinstance(names, dict) else None


def _extract(record: dict, ip: str) -> dict[str, Any]:
    """Every field Logstash knows, from one database record (absent ones left out)."""
    out: dict[str, Any] = {"ip": ip}
    city, country = record.get("city"), record.get("country") or record.get("registered_country")
    continent, location = record.get("continent"), record.get("location")
    subs = record.get("subdivisions")
    postal = record.get("postal")
    if city:
        out["city_name"] = _name(city)
    if country:
        out["country_name"] = _name(country)
        code = country.get("iso_code")
        out["country_code2"] = out["country_code3"] = code
        out["country_iso_code"] = code
    if continent:
        out["continent_code"] = continent.get("code")
        out["continent_name"] = _name(continent)
    if isinstance(subs, list) and subs:
        sub = subs[0]
        out["region_name"] = _name(sub)
        out["region_code"] = sub.get("iso_code")
        if sub.get("iso_code") and country and country.get("iso_code"):
            out["region_iso_code"] = f"{country['iso_code']}-{sub['iso_code']}"
    if postal:
        out["postal_code"] = postal.get("code")
    if location:
        lat, lon = location.get("latitude"), location.get("longitude")
        out["timezone"] = location.get("time_zone")
        out["dma_code"] = location.get("metro_code")
        if lat is not None and lon is not None:
            out["latitude"], out["longitude"] = lat, lon
            out["location"] = {"lat": lat, "lon": lon}
    if "autonomous_system_number" in record:
        out["asn"] = record["autonomous_system_number"]
    if "autonomous_system_organization" in record:
        out["as_org"] = record["autonomous_system_organization"]
    return {k: v for k, v in out.items() if v is not None}


class GeoipOptions(FilterOptions):
    """geoip's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str
    target: str | None = None
    database: str
    default_database_type: Literal["City", "ASN"] = "City"
    fields: StrList | None = None
    cache_size: int = 1000
    tag_on_failure: StrList = ["_geoip_lookup_failure"]
    ecs_compatibility: Ecs = "v8"

    @field_validator("cache_size")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value


def database_kind(reader: maxminddb.Reader) -> str:
    """City, Country or ASN, from the database's own metadata (`GeoLite2-City`, `GeoIP2-ASN`, ...)."""
    kind = reader.metadata().database_type
    for known in ("City", "Country", "ASN"):
        if known.lower() in kind.lower():
            return known
    raise ConfigError(f"geoip: database type {kind!r} is not supported (City, Country or ASN)", option="database")


def ecs_target(source: str) -> str | None:
    """The target Logstash derives in ECS mode from `[client][ip]` or `client`; None for other sources."""
    path = parse_field_ref(source, lenient=True)
    if len(path) == 2 and path[1] == "ip" and path[0] in ECS_TARGETS:
        return path[0]
    if len(path) == 1 and path[0] in ECS_TARGETS:
        return path[0]
    return None


class GeoipFilter(Filter):
    """Logstash's `geoip`."""

    name = "geoip"
    Options = GeoipOptions
    __slots__ = ("_reader", "_get", "_source", "_target", "_writes_to", "_tags", "kind", "_cache", "_cache_size")

    def _compile(self, options: GeoipOptions) -> None:
        if not os.path.isfile(options.database):
            raise ConfigError(f"geoip: database file {options.database!r} not found (give the path of a GeoLite2 "
                              f"or GeoIP2 .mmdb file)", option="database")
        try:
            self._reader = maxminddb.open_database(options.database)
        except (maxminddb.InvalidDatabaseError, OSError, ValueError) as exc:
            raise ConfigError(f"geoip: cannot read database {options.database!r}: {exc}", option="database") from None
        self._get = self._reader.get
        self.kind = database_kind(self._reader)
        ecs = options.ecs_compatibility != "disabled"
        target = options.target
        if target is None:
            target = ecs_target(options.source) if ecs else "geoip"
            if target is None:
                raise ConfigError(
                    f"geoip: with ECS compatibility on, a source that is no [client|destination|host|observer|server|"
                    f"source][ip] needs an explicit target (source is {options.source!r})", option="target")
        fields = options.fields if options.fields is not None else DEFAULT_FIELDS[(self.kind, ecs)]
        writes: list[tuple[str, Path]] = []
        for name in fields:
            place = _PLACES.get(name)
            if place is None:
                known = ", ".join(sorted(_PLACES))
                raise ConfigError(f"geoip: unknown field {name!r} in fields; known: {known}", option="fields")
            writes.append((name, place[1] if ecs else place[0]))
        self._writes_to = tuple(dict.fromkeys(writes))
        self._source = field_ref(options.source)
        self._target = field_ref(target)
        self._tags = tuple(options.tag_on_failure)
        self._cache: dict[str, dict | None] = {}
        self._cache_size = options.cache_size

    def _writes(self) -> set[Path]:
        base = parse_field_ref(self._target.text, lenient=True)
        return {base + path[:1] for _, path in self._writes_to} | {("tags",)}

    def lookup(self, ip: str) -> dict[str, Any] | None:
        """The fields for `ip` laid out under the target, or None when the database has nothing."""
        cached = self._cache.get(ip, False)
        if cached is not False:
            return cached
        try:
            record = self._get(ip)
        except (ValueError, TypeError):  # no IP address (a NUL in the text is a TypeError)
            record = None
        result = None
        if isinstance(record, dict):
            found = _extract(record, ip)
            result = {}
            for name, path in self._writes_to:
                if name in found:
                    node = result
                    for key in path[:-1]:
                        node = node.setdefault(key, {})
                    node[path[-1]] = found[name]
            if set(result) <= {"ip"}:  # nothing but the address itself
                result = None
        if len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[ip] = result
        return result

    def apply(self, event: Event) -> bool:
        value = event.get(self._source)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None or value == "":
            return False
        found = self.lookup(value) if isinstance(value, str) else None
        if found is None:
            event.tag(*self._tags)
            return False
        current = event.get(self._target)
        if isinstance(current, dict):
            _merge(current, found)
        else:
            event.set(self._target, _deep(found))
        return True


def _deep(value: Any) -> Any:
    return {k: _deep(v) for k, v in value.items()} if isinstance(value, dict) else value


def _merge(into: dict, found: dict) -> None:
    for key, value in found.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = _deep(value)
