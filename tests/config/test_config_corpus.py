"""The corpus of real-world-style pipelines in tests/data/configs parses, prints and uses known filters."""

from __future__ import annotations

from pathlib import Path

import pytest

import porttrack_logs.config as config
from porttrack_logs.config import If, Plugin, load, parse, plugin_options, to_source
from porttrack_logs.pipeline.conditions import compile_condition

CORPUS = sorted((Path(__file__).resolve().parents[1] / "data" / "configs").glob("*.conf"))
from porttrack_logs.filters import FILTERS

KNOWN_FILTERS = set(FILTERS)


def walk(body):
    """Every plugin and if node under a body, depth first."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, If):
            for _, inner in stmt.branches:
                yield from walk(inner)


def test_corpus_has_a_dozen_configs() -> None:
    """The corpus holds about a dozen pipelines (guards against the glob silently finding none)."""
    assert len(CORPUS) >= 12


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_config_parses_and_round_trips(path: Path) -> None:
    """Each corpus pipeline parses, and printing it gives text that parses to the same tree."""
    tree = parse(path.read_text(), str(path))
    assert tree.sections and parse(to_source(tree)) == tree


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_uses_only_supported_filters_and_compilable_conditions(path: Path) -> None:
    """Every filter is one the project implements, its options read, and every condition compiles."""
    tree = parse(path.read_text(), str(path))
    for section in tree.sections:
        for node in walk(section.body):
            if isinstance(node, If):
                for condition, _ in node.branches:
                    if condition is not None:
                        compile_condition(condition)
            elif section.kind == "filter":
                assert isinstance(node, Plugin) and node.name in KNOWN_FILTERS
                plugin_options(node)


def test_corpus_directory_loads_in_name_order(config_corpus_dir: Path) -> None:
    """Loading the corpus directory concatenates every file's sections, first file first."""
    tree = load(config_corpus_dir)
    assert tree.sources == tuple(str(p) for p in CORPUS)
    assert tree.sections[0].position.source == str(CORPUS[0])


def test_public_names_are_exported() -> None:
    """Everything in config.__all__ exists, and the main entry points are in it."""
    assert all(hasattr(config, name) for name in config.__all__)
    assert {"parse", "load", "to_source", "to_python", "plugin_options", "PipelineConfig"} <= set(config.__all__)
