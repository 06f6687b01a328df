"""The specialised matchers chosen at compile time give exactly what the general one gives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from porttrack_logs.grok import Grok

TAIL = Grok("%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}", ecs_compatibility="disabled")
FLAT = Grok("%{WORD:verb} %{NOTSPACE:path}(?: %{INT:status})?", ecs_compatibility="disabled")

stamps = st.sampled_from(["2026-11-27T06:00:00.332Z", "2026-11-27 06:00:00", "27/Nov/2026", ""])
levels = st.sampled_from(["INFO", "ERROR", "warn", "NOTE", ""])
rests = st.text(alphabet=st.sampled_from("ab \n\t=-:0"), max_size=20)


def test_matchers_are_the_specialised_ones():
    """The PortTrack shape uses the findall matcher, a flat expression the search one."""
    assert TAIL.match.__qualname__.startswith("_tail_matcher")
    assert FLAT.match.__qualname__.startswith("_flat_matcher")


@settings(max_examples=300, deadline=None)
@given(prefix=rests, stamp=stamps, level=levels, rest=rests)
def test_tail_matcher_agrees_with_general(prefix, stamp, level, rest):
    """Leading text, odd stamps and levels, empty or multi-line rests: same captures or same miss."""
    line = f"{prefix}{stamp} {level} {rest}"
    assert TAIL.match(line) == TAIL._general_match(line)
    assert TAIL.match(line, keep_empty_captures=True) == TAIL._general_match(line, True)


@settings(max_examples=200, deadline=None)
@given(verb=st.sampled_from(["GET", "POST", "", "x"]), path=rests, status=st.sampled_from(["", " 200", " x"]))
def test_flat_matcher_agrees_with_general(verb, path, status):
    """An optional group left out is left out of the captures by both."""
    line = f"{verb} {path}{status}"
    assert FLAT.match(line) == FLAT._general_match(line)
