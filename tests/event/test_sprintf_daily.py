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
