"""The public surface: what the README promises is importable, and __all__ says exactly that."""

import importlib

import pytest

import porttrack_logs

PUBLIC = {
    "porttrack_logs": {"Event", "Pipeline", "PortTrackError", "ConfigError", "GrokError", "EventError", "DeliveryError"},
    "porttrack_logs.grok": {"Grok"},
    "porttrack_logs.pipeline": {"Pipeline"},
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_all_lists_exactly_the_public_names(module_name):
    """Each public module's __all__ is the documented set, and every name in it exists."""
    module = importlib.import_module(module_name)
    assert PUBLIC[module_name] <= set(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_top_level_all_has_no_private_or_missing_names():
    """Every public class defined at the top level is listed; nothing private is."""
    names = {n for n in dir(porttrack_logs) if not n.startswith("_") and isinstance(getattr(porttrack_logs, n), type)}
    assert names == set(porttrack_logs.__all__)


def test_error_hierarchy_is_rooted_in_porttrack_error():
    """Every library error can be caught as PortTrackError."""
    for name in ("ConfigError", "GrokError", "EventError", "DeliveryError"):
        assert issubclass(getattr(porttrack_logs, name), porttrack_logs.PortTrackError)
