"""The public surface: what the README promises is importable, and __all__ says exactly that."""

import importlib
import inspect

import pytest

import porttrack_logs
import porttrack_logs.errors as errors

PUBLIC = {
    "porttrack_logs": {"Event", "Pipeline", "PortTrackError", "ConfigError", "GrokError", "EventError", "DeliveryError"},
    "porttrack_logs.grok": {
        "Grok", "MatchTimeout", "build_patterns", "write_capture", "explain", "Explanation", "compile_ruby_regex",
        "LONG_TEXT", "PCRE_LIMIT_ERRORS", "pcre_limit_for",
    },
    "porttrack_logs.pipeline": {"Pipeline", "BATCH_SIZE"},
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_all_lists_exactly_the_public_names(module_name):
    """Each public module's __all__ is the documented set, and every name in it exists."""
    module = importlib.import_module(module_name)
    assert set(module.__all__) == PUBLIC[module_name]
    for name in module.__all__:
        assert hasattr(module, name), name


def test_top_level_all_has_no_private_or_missing_names():
    """Every public class defined at the top level is listed; nothing private is."""
    names = {n for n in dir(porttrack_logs) if not n.startswith("_") and isinstance(getattr(porttrack_logs, n), type)}
    assert names == set(porttrack_logs.__all__)


def _drawn_tree() -> dict[str, str | None]:
    """The hierarchy drawn in errors.py's docstring: each class name -> the name drawn above it."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in inspect.getdoc(errors).splitlines():
        stripped = line.lstrip(" │├└─")
        if not line.startswith(" ") or not stripped:  # the drawing is the indented block
            continue
        column, name = len(line) - len(stripped), stripped.split()[0]
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((column, name))
    return parents


def test_errors_py_draws_its_hierarchy_truly():
    """Every exception class of errors.py is drawn in its docstring, under the class it derives from."""
    drawn = _drawn_tree()
    defined = {
        n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, Exception) and v.__module__ == errors.__name__
    }
    assert set(drawn) == defined
    for name, parent in drawn.items():
        if parent is None:
            assert name == "PortTrackError"
        else:
            assert getattr(errors, parent) in getattr(errors, name).__bases__, (name, parent)


def test_errors_all_lists_every_error_and_position():
    """errors.__all__ is exactly its exception classes and Position."""
    defined = {n for n, v in vars(errors).items() if isinstance(v, type) and v.__module__ == errors.__name__}
    assert set(errors.__all__) == defined and "Position" in defined
