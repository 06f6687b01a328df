"""Grok as Logstash runs it: pattern banks (legacy and ECS v1), expansion, one compiled regex per
expression, Ruby-style coercion and bounded match time; and the one translator of Oniguruma's
regex dialect, which conditions and mutate use too; PCRE2's match limit for a time budget, which kv
uses too. `Grok` is the entry point."""

from ..errors import MatchTimeout
from ._engine import LONG_TEXT, PCRE_LIMIT_ERRORS, pcre_limit_for
from ._explain import Explanation, explain
from ._grok import Grok, build_patterns, write_capture
from ._translate import compile_ruby_regex

__all__ = ["Grok", "MatchTimeout", "build_patterns", "write_capture", "explain", "Explanation", "compile_ruby_regex",
           "LONG_TEXT", "PCRE_LIMIT_ERRORS", "pcre_limit_for"]
