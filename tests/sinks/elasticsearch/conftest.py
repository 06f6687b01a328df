"""Fixtures of the elasticsearch sink's unit tests (helpers in support.py)."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from prometheus_client import CollectorRegistry

from porttrack_logs.sinks.base import SinkContext
from tests.sinks.elasticsearch.support import RecordingDeadLetters, ScriptedConnection


@pytest.fixture
def dead_letters() -> RecordingDeadLetters:
    return RecordingDeadLetters()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def make_sink(dead_letters, registry) -> Callable[..., Any]:
    """make_sink(answers, **options) -> (sink, connection); manage_template off, fast retries."""
    from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput

    def make(answers: list[Any], *, max_content_length: int = 100 * 1024 * 1024, forever: Any = None, **options: Any):
        options.setdefault("manage_template", False)
        options.setdefault("retry_initial_interval", 0.001)
        options.setdefault("retry_max_interval", 0.004)
        connection = ScriptedConnection(answers, max_content_length=max_content_length, forever=forever)
        context = SinkContext(dead_letters, "elasticsearch@3:5", registry)
        return ElasticsearchOutput(**options).build(context, connection=connection), connection

    return make


