"""useragent: the table of behaviours in tests/data/filters/useragent.json, on Event(dict) and decoded events."""

from __future__ import annotations

import pytest

from porttrack_logs.errors import ConfigError
from porttrack_logs.filters.useragent import UseragentFilter

from ._cases import load_cases, run_case


@pytest.mark.parametrize("row", load_cases("useragent"))
def test_useragent_case(row):
    """Each row: the behaviour its `behaviour` field names."""
    run_case(UseragentFilter, row)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from porttrack_logs.event import Event  # noqa: E402

_PIECES = ["Mozilla/5.0", "(Windows NT 10.0; Win64; x64)", "(iPhone; CPU iPhone OS 17_1 like Mac OS X)",
           "AppleWebKit/537.36", "Chrome/120.0.1.2", "Firefox/121.0", "Safari/604.1", "Googlebot/2.1", "curl/8.5.0"]


@settings(max_examples=200, deadline=None)
@given(ua=st.one_of(st.text(max_size=60), st.lists(st.sampled_from(_PIECES), max_size=5).map(" ".join)),
       ecs=st.sampled_from(["disabled", "v8"]))
def test_random_user_agents_never_raise(ua, ecs):
    """Any string: a name always comes out (`Other` when no rule knows it); nothing escapes."""
    event = Event({"ua": ua})
    UseragentFilter(source="ua", ecs_compatibility=ecs, lru_cache_size=8).filter(event)
    name = event.get("[user_agent][name]" if ecs != "disabled" else "name")
    assert (name is None) == (ua == "")
    if ecs != "disabled" and ua:
        assert event.get("[user_agent][original]") == ua


def test_regexes_option_is_refused_as_not_implemented():
    """A custom regexes file is a Logstash option this project does not implement, said so."""
    with pytest.raises(ConfigError) as info:
        UseragentFilter(source="ua", regexes="/etc/regexes.yaml")
    assert "does not implement" in str(info.value)
