"""From the configuration tree to a compiled tree: every plugin and every condition validated and
compiled once, for the generated code, the step-by-step steps (built only when asked for) and the
runtime's routing of events to outputs (`CompiledConfig.outputs`) alike.

Errors from every plugin and condition are gathered, each placed at the option (or plugin) at
fault with a caret snippet, and raised together as one `ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, Union

from pydantic import BaseModel, ValidationError

from ..config import Branch, If, PipelineConfig, Plugin, Statement, plugin_options, to_python
from ..errors import ConfigError, EventError, Position
from ..filters import filter_class
from ..filters.base import Filter, validation_to_config_error
from ..sinks.settings import OUTPUTS
from ..sources.settings import INPUTS
from .conditions import Condition, compile_condition
from .steps import ConditionalStep, FilterStep, Step

__all__ = ["CompiledPlugin", "CompiledIf", "CompiledBranch", "Node", "CompiledConfig", "compile_config", "ConfigErrors",
           "build_steps", "plugins", "walk"]


@dataclass(frozen=True, slots=True)
class CompiledPlugin:
    """A plugin of the configuration and what it compiled to."""

    node: Plugin
    instance: Any  # a Filter, or the input's/output's validated settings (sources/sinks .settings)


@dataclass(frozen=True, slots=True)
class CompiledBranch:
    """One branch of a conditional: its node, its compiled condition (None for `else`), its body."""

    node: Branch
    condition: Condition | None
    body: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class CompiledIf:
    """A conditional: its node and its compiled branches, in order."""

    node: If
    branches: tuple[CompiledBranch, ...]


Node = Union[CompiledPlugin, CompiledIf]


class ConfigErrors:
    """Collects errors while compiling, to raise them all at once."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts
        self.errors: list[ConfigError] = []

    def snippet(self, position: Position) -> str | None:
        text = self._texts.get(position.source)
        if text is None:
            path = Path(position.source)
            if not path.is_file():
                return None
            text = self._texts[position.source] = path.read_text("utf-8", "replace")
        lines = text.splitlines()
        if not 1 <= position.line <= len(lines):
            return None
        line = lines[position.line - 1]
        pad = "".join("\t" if c == "\t" else " " for c in line[: position.column - 1])
        return f"{line}\n{pad}^"

    def add(self, error: ConfigError, plugin: Plugin | None = None) -> None:
        position = error.position
        if position is None and plugin is not None:
            position = plugin.position
            for attr in plugin.attributes:
                if attr.name == error.option:
                    position = attr.position
                    break
        if position is not None and (error.position is None or error.snippet is None):
            error = ConfigError(error.message, position=position, option=error.option, snippet=self.snippet(position))
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        if len(self.errors) == 1:
            raise self.errors[0]
        first = self.errors[0]
        body = "\n".join(str(e) for e in self.errors)
        raise ConfigError(f"{len(self.errors)} errors in the configuration:\n{body}", position=None, option=first.option)


def _settings(plugin: Plugin, kind: str, table: dict[str, type[BaseModel]], errors: ConfigErrors) -> Any:
    model = table.get(plugin.name)
    if model is None:
        supported = ", ".join(sorted(table))
        errors.add(
            ConfigError(
                f"{kind} plugin '{plugin.name}' is not supported; supported {kind}s: {supported}",
                position=plugin.position,
            ),
            plugin,
        )
        return None
    try:
        return model(**plugin_options(plugin))
    except ValidationError as exc:
        errors.add(validation_to_config_error(f"{kind} {plugin.name}", exc), plugin)
    except ConfigError as exc:
        errors.add(exc, plugin)
    return None


def _filter(plugin: Plugin, errors: ConfigErrors) -> Filter | None:
    try:
        cls = filter_class(plugin.name)
    except ConfigError as exc:
        errors.add(ConfigError(exc.message, position=plugin.position), plugin)
        return None
    try:
        options = plugin_options(plugin)
        options.setdefault("id", f"{plugin.name}@{plugin.position.line}:{plugin.position.column}")
        return cls(**options)
    except ConfigError as exc:
        errors.add(exc, plugin)
    except EventError as exc:  # a field reference in an option that cannot be parsed
        option = _option_holding(plugin, exc.field)
        errors.add(ConfigError(f"option '{option or '?'}' of {plugin.name}: {exc}", option=option), plugin)
    return None


def _option_holding(plugin: Plugin, text: str | None) -> str | None:
    """The name of the plugin's option whose value mentions `text` (to place an error there)."""
    if text is not None:
        for attr in plugin.attributes:
            if text in repr(to_python(attr.value)):
                return attr.name
    return None


def _compile_body(
    body: Sequence[Statement],
    make: Callable[[Plugin], Any],
    errors: ConfigErrors,
) -> tuple[Node, ...]:
    nodes: list[Node] = []
    for statement in body:
        if isinstance(statement, Plugin):
            nodes.append(CompiledPlugin(statement, make(statement)))
            continue
        branches = []
        for branch in statement.branches:
            condition = None
            if branch.condition is not None:
                try:
                    condition = compile_condition(branch.condition)
                except ConfigError as exc:
                    errors.add(exc.at(branch.position))
            branches.append(CompiledBranch(branch, condition, _compile_body(branch.body, make, errors)))
        nodes.append(CompiledIf(statement, tuple(branches)))
    return tuple(nodes)


def build_steps(nodes: Sequence[Node], *, ordered: bool = True) -> list[Step]:
    """The step-by-step form of a compiled filter section (the reference the generated code is
    tested against); built only when asked for. `ordered`: see `steps.ConditionalStep`."""
    steps: list[Step] = []
    for node in nodes:
        if isinstance(node, CompiledPlugin):
            if node.instance is not None:
                steps.append(FilterStep(node.instance))
            continue
        branches = [
            (None if b.condition is None else b.condition.test, build_steps(b.body, ordered=ordered))
            for b in node.branches
        ]
        steps.append(ConditionalStep(branches, where=f"condition at {node.node.position}", ordered=ordered))
    return steps


@dataclass(frozen=True, slots=True)
class CompiledConfig:
    """Everything a configuration compiles to: each section as a compiled tree."""

    inputs: tuple[Node, ...]
    filters: tuple[Node, ...]
    outputs: tuple[Node, ...]


def compile_config(config: PipelineConfig, texts: dict[str, str] | None = None) -> CompiledConfig:
    """Validate and compile every section; raise one ConfigError listing every problem."""
    errors = ConfigErrors(dict(texts or {}))
    inputs = _compile_body(config.of_kind("input"), lambda p: _settings(p, "input", INPUTS, errors), errors)
    filters = _compile_body(config.of_kind("filter"), lambda p: _filter(p, errors), errors)
    outputs = _compile_body(config.of_kind("output"), lambda p: _settings(p, "output", OUTPUTS, errors), errors)
    errors.raise_if_any()
    return CompiledConfig(inputs, filters, outputs)


def walk(nodes: Sequence[Node]) -> Iterator[Node]:
    """Every node under `nodes`, depth first, in source order."""
    for node in nodes:
        yield node
        if isinstance(node, CompiledIf):
            for branch in node.branches:
                yield from walk(branch.body)


def plugins(nodes: Sequence[Node]) -> list[CompiledPlugin]:
    """Every plugin under `nodes`, depth first, in source order."""
    return [node for node in walk(nodes) if isinstance(node, CompiledPlugin)]
