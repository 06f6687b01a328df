"""The filters a pipeline can use, by their Logstash plugin name."""

from __future__ import annotations

from importlib import import_module

from ..errors import ConfigError
from .base import Filter, FilterOptions

__all__ = ["Filter", "FilterOptions", "FILTERS", "filter_class"]

#: plugin name -> "module:Class" under porttrack_logs.filters, imported on first use
FILTERS: dict[str, str] = {
    "grok": "grok:GrokFilter",
    "mutate": "mutate:MutateFilter",
    "date": "date:DateFilter",
    "json": "json:JsonFilter",
    "dissect": "dissect:DissectFilter",
    "kv": "kv:KvFilter",
    "drop": "drop:DropFilter",
    "fingerprint": "fingerprint:FingerprintFilter",
    # issue 13's filters
    "geoip": "geoip:GeoipFilter",
    "useragent": "useragent:UseragentFilter",
    "csv": "csv:CsvFilter",
    "translate": "translate:TranslateFilter",
    "syslog_pri": "syslog_pri:SyslogPriFilter",
    "cidr": "cidr:CidrFilter",
    "clone": "clone:CloneFilter",
    "prune": "prune:PruneFilter",
    "urldecode": "urldecode:UrldecodeFilter",
    "truncate": "truncate:TruncateFilter",
    "split": "split:SplitFilter",
    "uuid": "uuid:UuidFilter",
    "xml": "xml:XmlFilter",
    "elapsed": "elapsed:ElapsedFilter",
}


#: filters that cannot run here, and what to use instead
CANNOT_RUN: dict[str, str] = {
    "ruby": "the ruby filter runs Ruby code, which porttrack-logs cannot run; rewrite it with mutate "
    "(rename, copy, gsub, split, convert), grok, dissect, kv, json or date, or do the step in the "
    "service that calls Pipeline.process",
}


def filter_class(name: str) -> type[Filter]:
    """The class implementing filter `name`; a ConfigError naming the supported ones otherwise."""
    target = FILTERS.get(name)
    if target is None and name in CANNOT_RUN:
        raise ConfigError(f"filter plugin '{name}' cannot run here: {CANNOT_RUN[name]}")
    if target is None:
        supported = ", ".join(sorted(FILTERS))
        raise ConfigError(f"filter plugin '{name}' is not supported; supported filters: {supported}")
    module_name, class_name = target.split(":")
    module = import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)
