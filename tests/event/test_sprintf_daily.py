"""Date-only sprintf formats (daily index names) stay right as events cross days and zones."""

from datetime import datetime, timedelta, timezone

from porttrack_logs import Event
from porttrack_logs.event import Template


def test_daily_index_follows_each_events_utc_day_in_any_order():
    """Alternating days, and a non-UTC timestamp near midnight, each get their own UTC date."""
    template = Template("porttrack-logs-%{+yyyy.MM.dd}")
    plus_two = timezone(timedelta(hours=2))
    cases = [
        (datetime(2026, 11, 27, 23, 59, 59, tzinfo=timezone.utc), "porttrack-logs-2026.11.27"),
        (datetime(2026, 11, 28, 0, 0, 0, tzinfo=timezone.utc), "porttrack-logs-2026.11.28"),
        (datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc), "porttrack-logs-2026.11.27"),
        (datetime(2026, 11, 28, 1, 30, 0, tzinfo=plus_two), "porttrack-logs-2026.11.27"),
        (datetime(2027, 1, 1, 0, 0, 0, tzinfo=timezone.utc), "porttrack-logs-2027.01.01"),
    ]
    for ts, expected in cases:
        assert template.render(Event({"@timestamp": ts})) == expected


def test_time_of_day_format_is_not_cached_per_day():
    """A format with hours changes within a day."""
    template = Template("%{+yyyy.MM.dd.HH}")
    first = template.render(Event({"@timestamp": datetime(2026, 11, 27, 5, tzinfo=timezone.utc)}))
    second = template.render(Event({"@timestamp": datetime(2026, 11, 27, 6, tzinfo=timezone.utc)}))
    assert (first, second) == ("2026.11.27.05", "2026.11.27.06")


def test_a_template_of_date_parts_and_text_renders_whole_per_day():
    """Several date-only parts with text between them follow the day; a non-date @timestamp
    renders them empty, as each part alone would."""
    template = Template("%{+yyyy}-audit-%{+MM.dd}")
    day1 = Event({"@timestamp": datetime(2026, 11, 27, 23, tzinfo=timezone.utc)})
    day2 = Event({"@timestamp": datetime(2026, 11, 28, 1, tzinfo=timezone.utc)})
    odd = Event({"@timestamp": datetime(2026, 11, 28, 1, tzinfo=timezone.utc)})
    odd.set("@timestamp", "not a date")
    rendered = [template.render(e) for e in (day1, day2, odd, day1)]
    assert rendered == ["2026-audit-11.27", "2026-audit-11.28", "-audit-", "2026-audit-11.27"]


def test_a_field_reference_keeps_a_daily_template_per_event():
    """A template that also reads a field changes within a day with that field."""
    template = Template("logs-%{service}-%{+yyyy.MM.dd}")
    ts = datetime(2026, 11, 27, 6, tzinfo=timezone.utc)
    names = [template.render(Event({"@timestamp": ts, "service": s})) for s in ("gate", "crane")]
    assert names == ["logs-gate-2026.11.27", "logs-crane-2026.11.27"]
