"""sprintf time references: `%{+yyyy.MM.dd}` (Joda, UTC) and `%{+%s}` (epoch seconds)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from porttrack_logs.event import Event, Template


def test_index_name_date():
    """`logs-%{+yyyy.MM.dd}` renders @timestamp's UTC date."""
    event = Event({"@timestamp": "2026-11-27T10:00:00Z"})
    assert Template("logs-%{+yyyy.MM.dd}").render(event) == "logs-2026.11.27"


def test_index_name_date_is_utc():
    """A @timestamp written with an offset still renders its UTC date."""
    event = Event({"@timestamp": datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))})
    assert Template("%{+yyyy.MM.dd}").render(event) == "2025.12.31"


def test_epoch_seconds():
    """`%{+%s}` renders whole epoch seconds of @timestamp."""
    event = Event({"@timestamp": "2001-09-09T01:46:40.999Z"})
    assert Template("%{+%s}").render(event) == "1000000000"


def test_time_mixed_with_fields():
    """Time references and field references mix in one template."""
    event = Event({"@timestamp": "2026-03-05T00:00:00Z", "app": "api"})
    assert Template("%{app}-%{+YYYY.MM}").render(event) == "api-2026.03"


def test_timestamp_field_prints_as_logstash():
    """`%{@timestamp}` prints UTC with milliseconds, or microseconds when there are some."""
    whole = Event({"@timestamp": "2026-03-05T01:02:03+01:00"})
    fine = Event({"@timestamp": "2026-03-05T00:02:03.000250Z"})
    assert Template("%{@timestamp}").render(whole) == "2026-03-05T00:02:03.000Z"
    assert Template("%{@timestamp}").render(fine) == "2026-03-05T00:02:03.000250Z"
