"""Places where the Logstash language does something other than what the text seems to say."""

from __future__ import annotations

from typing import Iterator

from ..errors import Position
from ._tree import BoolOp, If, In, Not, PipelineConfig, Selector

__all__ = ["language_traps"]


def language_traps(tree: PipelineConfig) -> list[tuple[Position, str]]:
    """Warnings for syntax traps Logstash runs silently: (position, message) pairs in source order.

    Today: `[a] in ["x"]` and `[a] in [1]`, where Logstash reads the one-element "array" as a field
    reference to a field named `"x"` or `1` (elastic/logstash#1850), so the test is never true.
    """
    found: list[tuple[Position, str]] = []
    for section in tree.sections:
        for expr in _conditions(section.body):
            for node in _in_tests(expr):
                right = node.right
                if isinstance(right, Selector) and _looks_like_literal(right.text):
                    inner = right.text[1:-1]
                    found.append(
                        (
                            right.position,
                            f"{right.text} is read as a field reference (a field named {inner}), not a "
                            f"one-element array: Logstash needs two elements; write == {inner} instead",
                        )
                    )
    return found


def _looks_like_literal(text: str) -> bool:
    if text.count("[") != 1:
        return False
    inner = text[1:-1].strip()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
        return True
    return inner.lstrip("-").replace(".", "", 1).isdigit()


def _conditions(body: tuple) -> Iterator[object]:
    for stmt in body:
        if isinstance(stmt, If):
            for condition, branch_body in stmt.branches:
                if condition is not None:
                    yield condition
                yield from _conditions(branch_body)


def _in_tests(expr: object) -> Iterator[In]:
    if isinstance(expr, In):
        yield expr
    elif isinstance(expr, Not):
        yield from _in_tests(expr.operand)
    elif isinstance(expr, BoolOp):
        for operand in expr.operands:
            yield from _in_tests(operand)
