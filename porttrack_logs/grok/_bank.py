"""Pattern banks: the built-in merged bank and users' pattern files, read as Logstash reads them.

The built-in bank (`patterns/*.grok`) holds both flavours in one place: a line `NAME regex`
serves both, `NAME/legacy regex` only `ecs_compatibility => disabled`, `NAME/ecs-v1 regex`
only v1/v8. Users' files (`patterns_dir`) use Logstash's plain `NAME regex` format.
"""

from __future__ import annotations

import glob
import os
import re
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Iterable, Mapping

from ..errors import ConfigError

__all__ = [
    "LEGACY",
    "ECS_V1",
    "flavour_of",
    "parse_pattern_lines",
    "chomp",
    "bank",
    "bank_names",
    "load_pattern_files",
]

LEGACY = "legacy"
ECS_V1 = "ecs-v1"
_FLAVOUR_OF_MODE = {"disabled": LEGACY, "v1": ECS_V1, "v8": ECS_V1}
# Ruby's \s is ASCII whitespace only (no Unicode spaces, no \x1c-\x1f as Python's has).
_RUBY_SPACE = " \t\n\v\f\r"
_SPLIT = re.compile(r"[ \t\n\v\f\r]+")


def flavour_of(ecs_compatibility: str) -> str:
    """The bank flavour for an `ecs_compatibility` mode ("disabled" -> legacy, "v1"/"v8" -> ecs-v1)."""
    try:
        return _FLAVOUR_OF_MODE[ecs_compatibility]
    except KeyError:
        raise ConfigError(
            f"ecs_compatibility {ecs_compatibility!r} is not a mode; expected one of disabled, v1, v8",
            option="ecs_compatibility",
        ) from None


def parse_pattern_lines(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(name, regex) pairs from pattern-file lines, by Logstash's rules.

    Leading whitespace is skipped, `#` lines are comments, the name ends at the first run of
    whitespace and the regex is the rest of the line as is (only the line break removed).
    """
    pairs = []
    for line in lines:
        text = line.lstrip(_RUBY_SPACE)
        if not text or text.startswith("#"):
            continue
        parts = _SPLIT.split(text, maxsplit=1)
        if len(parts) < 2:
            continue
        pairs.append((parts[0], chomp(parts[1])))
    return pairs


def chomp(text: str) -> str:
    """Ruby's String#chomp: one trailing line break (\\r\\n, \\n or \\r) removed."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def _ruby_lines(text: str) -> list[str]:
    """The lines Ruby's IO#each gives: split after each \\n only, line breaks kept."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


@lru_cache(maxsize=None)
def _bank_files() -> tuple[tuple[str, str], ...]:
    folder = resources.files(__package__) / "patterns"
    return tuple(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".grok")
    )


@lru_cache(maxsize=None)
def bank(flavour: str) -> Mapping[str, str]:
    """The built-in patterns of one flavour (`legacy` or `ecs-v1`), read once, read-only."""
    if flavour not in (LEGACY, ECS_V1):
        raise ValueError(f"unknown bank flavour {flavour!r}")
    patterns: dict[str, str] = {}
    for filename, text in _bank_files():
        for key, regex in parse_pattern_lines(_ruby_lines(text)):
            name, _, only = key.partition("/")
            if only and only not in (LEGACY, ECS_V1):
                raise ConfigError(f"bank file {filename}: {key!r} names no flavour (legacy, ecs-v1)")
            if not only or only == flavour:
                patterns[name] = regex
    return MappingProxyType(patterns)


def bank_names(flavour: str) -> frozenset[str]:
    """Every pattern name the built-in bank defines for a flavour."""
    return frozenset(bank(flavour))


def load_pattern_files(paths: Iterable[str], files_glob: str = "*") -> dict[str, str]:
    """Patterns from `patterns_dir` entries: a folder is read through `files_glob`
    (sub-folders skipped), anything else is a file or a glob; later files win."""
    patterns: dict[str, str] = {}
    for path in paths:
        spec = os.path.join(path, files_glob) if os.path.isdir(path) else path
        for file in sorted(glob.glob(spec)):
            if os.path.isdir(file):
                continue
            try:
                with open(file, encoding="utf-8", newline="") as handle:
                    pairs = parse_pattern_lines(_ruby_lines(handle.read()))
            except OSError as exc:
                raise ConfigError(
                    f"cannot read grok pattern file {file}: {exc.strerror}; check patterns_dir",
                    option="patterns_dir",
                ) from exc
            patterns.update(pairs)
    return patterns
