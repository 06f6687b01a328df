"""PortTrack's Kibana views, described once: the data view, the saved searches, the Lens charts and the
dashboard that holds them. `_build` turns this description into saved objects for each Kibana line,
checking every field it names against the index templates' field list.

Fields named here must be mapped by `porttrack_logs.templates.fields()`; a field that is renamed there
makes the export fail, naming the view and the field, instead of leaving a chart that shows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

__all__ = [
    "DataView", "SavedSearch", "DateHistogram", "Terms", "TagShare", "LensView", "Panel", "Dashboard",
    "DATA_VIEW", "DEADLETTER_DATA_VIEW", "DATA_VIEWS", "SEARCHES", "LENS_VIEWS", "DASHBOARD", "ALERT_TAGS",
    "PARSE_FAILURE_TAGS",
]

#: What pipelines/porttrack.conf tags an ERROR-or-worse line with.
ALERT_TAGS: tuple[str, ...] = ("alert",)
#: The failure tags grok, date and the filter base put on an event they could not process.
PARSE_FAILURE_TAGS: tuple[str, ...] = ("_grokparsefailure", "_dateparsefailure", "_groktimeout", "_filter_error")


@dataclass(frozen=True, slots=True)
class DataView:
    """A data view (saved object type index-pattern) other views read. `fields`: which field list its
    indices are mapped by, "logs" (`templates.fields()`) or "deadletters" (`templates.deadletter_fields()`)."""

    name: str
    title: str
    pattern: str
    time_field: str
    fields: Literal["logs", "deadletters"] = "logs"


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A Discover search: events carrying any of `tags`, shown as `columns`, sorted by `sort`."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    columns: tuple[str, ...]
    sort: tuple[tuple[str, Literal["asc", "desc"]], ...]


@dataclass(frozen=True, slots=True)
class DateHistogram:
    """Buckets over time on a date field (Lens picks the interval)."""

    field: str


@dataclass(frozen=True, slots=True)
class Terms:
    """The top `size` values of a field, by count; `missing` adds a bucket for events without the field."""

    field: str
    size: int
    label: str
    missing: bool = False


@dataclass(frozen=True, slots=True)
class TagShare:
    """Two buckets: events carrying any of `tags`, and the rest (a share of the whole, as a rate)."""

    tags: tuple[str, ...]
    with_label: str
    without_label: str


Bucket = Union[DateHistogram, Terms, TagShare]


@dataclass(frozen=True, slots=True)
class LensView:
    """A Lens chart counting events.

    `chart`: `stacked_bars` (x: the first bucket, split: the second), `percentage_bars` (the same, each
    bar 100%: a rate), `horizontal_bars` (one terms bucket), `table` (one row per bucket combination).
    `tags`: count only events with any of these tags (empty: every event).
    `data_view`: the name of the data view it reads (the logs' by default).
    """

    name: str
    title: str
    description: str
    chart: Literal["stacked_bars", "percentage_bars", "horizontal_bars", "table"]
    buckets: tuple[Bucket, ...]
    tags: tuple[str, ...] = ()
    data_view: str = "data-view"


@dataclass(frozen=True, slots=True)
class Panel:
    """A view on the dashboard's 48-column grid."""

    view: str
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The dashboard: panels by view name, and the time range it opens on."""

    name: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    time_from: str = "now-24h"
    time_to: str = "now"
    refresh_ms: int = 60_000


DATA_VIEW = DataView(name="data-view", title="PortTrack logs", pattern="porttrack-logs-*", time_field="@timestamp")
#: The dead letter queue's records, as `porttrack-logs dlq ship` indexes them.
DEADLETTER_DATA_VIEW = DataView(
    name="deadletters-data-view", title="PortTrack dead letters", pattern="porttrack-deadletters-*",
    time_field="@timestamp", fields="deadletters",
)
DATA_VIEWS: tuple[DataView, ...] = (DATA_VIEW, DEADLETTER_DATA_VIEW)

_EVENT_COLUMNS = ("log.level", "kubernetes.namespace", "kubernetes.container.name", "kubernetes.pod.name", "message")

SEARCHES: tuple[SavedSearch, ...] = (
    SavedSearch(
        name="alerts",
        title="Alerts",
        description="Lines logged at ERROR or worse (tag alert), newest first.",
        tags=ALERT_TAGS,
        columns=_EVENT_COLUMNS,
        sort=(("@timestamp", "desc"),),
    ),
    SavedSearch(
        name="parse-failures",
        title="Parse failures",
        description="Lines a filter could not parse (" + ", ".join(PARSE_FAILURE_TAGS) + "), newest first, "
        "with the line as the container wrote it.",
        tags=PARSE_FAILURE_TAGS,
        columns=("tags", "kubernetes.namespace", "kubernetes.container.name", "log.file.path", "log.offset", "event.original"),
        sort=(("@timestamp", "desc"),),
    ),
)

LENS_VIEWS: tuple[LensView, ...] = (
    LensView(
        name="events-by-level",
        title="Events by log level",
        description="Every event over time, split by log.level (lines grok could not parse have none).",
        chart="stacked_bars",
        buckets=(DateHistogram("@timestamp"), Terms("log.level", 10, "Log level", missing=True)),
    ),
    LensView(
        name="alerts-by-container",
        title="Alerts by namespace and container",
        description="Alerts (tag alert) counted by Kubernetes namespace and container.",
        chart="table",
        buckets=(Terms("kubernetes.namespace", 20, "Namespace"), Terms("kubernetes.container.name", 20, "Container")),
        tags=ALERT_TAGS,
    ),
    LensView(
        name="alerts-by-vessel",
        title="Top vessels in alerts",
        description="Alerts by porttrack.vessel.name: empty until a pipeline parses the vessel out of the line.",
        chart="horizontal_bars",
        buckets=(Terms("porttrack.vessel.name", 10, "Vessel"),),
        tags=ALERT_TAGS,
    ),
    LensView(
        name="alerts-by-berth",
        title="Top berths in alerts",
        description="Alerts by porttrack.berth.id: empty until a pipeline parses the berth out of the line.",
        chart="horizontal_bars",
        buckets=(Terms("porttrack.berth.id", 10, "Berth"),),
        tags=ALERT_TAGS,
    ),
    LensView(
        name="parse-failure-rate",
        title="Parse-failure rate",
        description="Share of events over time that carry a parse-failure tag (" + ", ".join(PARSE_FAILURE_TAGS) + ").",
        chart="percentage_bars",
        buckets=(DateHistogram("@timestamp"), TagShare(PARSE_FAILURE_TAGS, "Parse failures", "Parsed")),
    ),
    LensView(
        name="deadletters-by-reason",
        title="Dead letters over time by reason",
        description="Records of the dead letter queue over time (the time each was written), split by reason; "
        "empty until `porttrack-logs dlq ship --es URL` has indexed the queue.",
        chart="stacked_bars",
        buckets=(DateHistogram("@timestamp"), Terms("reason", 10, "Reason")),
        data_view="deadletters-data-view",
    ),
)

DASHBOARD = Dashboard(
    name="dashboard",
    title="PortTrack logs: alerts and parse failures",
    description="For operators and auditors: events by level, alerts by where they come from, the "
    "parse-failure rate, the alert and parse-failure lines themselves, and dead letters by reason.",
    panels=(
        Panel("events-by-level", 0, 0, 48, 12),
        Panel("alerts-by-container", 0, 12, 24, 14),
        Panel("parse-failure-rate", 24, 12, 24, 14),
        Panel("alerts-by-vessel", 0, 26, 24, 12),
        Panel("alerts-by-berth", 24, 26, 24, 12),
        Panel("alerts", 0, 38, 48, 15),
        Panel("parse-failures", 0, 53, 48, 15),
        Panel("deadletters-by-reason", 0, 68, 48, 12),
    ),
)
