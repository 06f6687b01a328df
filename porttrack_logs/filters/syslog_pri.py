"""The `syslog_pri` filter: a syslog PRI number into facility and severity, codes and labels.

With ECS disabled the fields are `syslog_facility(_code)` and `syslog_severity(_code)` read from
`syslog_pri`; with ECS v1/v8 `[log][syslog][facility|severity][code|name]` from
`[log][syslog][priority]`. A missing PRI counts as 13 (user-level notice), as in Logstash.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from ..event import Event, field_ref, to_i
from .base import Filter, FilterOptions, Path, StrList

__all__ = ["SyslogPriFilter", "FACILITY_LABELS", "SEVERITY_LABELS"]

FACILITY_LABELS = [
    "kernel", "user-level", "mail", "system", "security/authorization", "syslogd", "line printer",
    "network news", "UUCP", "clock", "security/authorization", "FTP", "NTP", "log audit", "log alert",
    "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
]
SEVERITY_LABELS = ["emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"]


class SyslogPriOptions(FilterOptions):
    """syslog_pri's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    syslog_pri_field_name: str | None = None
    use_labels: bool = True
    facility_labels: StrList = FACILITY_LABELS
    severity_labels: StrList = SEVERITY_LABELS
    ecs_compatibility: Literal["disabled", "v1", "v8"] = "v8"


class SyslogPriFilter(Filter):
    """Logstash's `syslog_pri`."""

    name = "syslog_pri"
    Options = SyslogPriOptions
    __slots__ = ("_source", "_fac_code", "_sev_code", "_fac", "_sev", "_labels", "_fac_labels", "_sev_labels")

    def _compile(self, options: SyslogPriOptions) -> None:
        ecs = options.ecs_compatibility != "disabled"
        source = options.syslog_pri_field_name or ("[log][syslog][priority]" if ecs else "syslog_pri")
        self._source = field_ref(source)
        if ecs:
            names = ("[log][syslog][facility][code]", "[log][syslog][severity][code]",
                     "[log][syslog][facility][name]", "[log][syslog][severity][name]")
        else:
            names = ("syslog_facility_code", "syslog_severity_code", "syslog_facility", "syslog_severity")
        self._fac_code, self._sev_code, self._fac, self._sev = (field_ref(n) for n in names)
        self._labels = options.use_labels
        self._fac_labels = tuple(options.facility_labels)
        self._sev_labels = tuple(options.severity_labels)

    def _writes(self) -> set[Path]:
        return {r.path for r in (self._fac_code, self._sev_code, self._fac, self._sev)}

    def apply(self, event: Event) -> bool:
        value = event.get(self._source)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None:
            priority = 13
        elif isinstance(value, str):
            priority = to_i(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            priority = int(value)
        else:
            priority = 0  # Ruby's to_i of anything else fails; Logstash would count it as 0 here
        if priority < 0:
            priority = 0
        severity, facility = priority & 7, priority >> 3
        event.set(self._sev_code, severity)
        event.set(self._fac_code, facility)
        if self._labels:
            event.set(self._fac, self._fac_labels[facility] if 0 <= facility < len(self._fac_labels) else None)
            event.set(self._sev, self._sev_labels[severity] if severity < len(self._sev_labels) else None)
        return True
