"""Grok as Logstash runs it: pattern banks (legacy and ECS v1), expansion, one compiled regex per
expression, Ruby-style coercion and bounded match time. `Grok` is the entry point."""

from ._engine import MatchTimeout
from ._grok import Grok

__all__ = ["Grok", "MatchTimeout"]
