"""The `csv` filter: one line of comma-separated (or other) values into named fields.

Read with the stdlib `csv` reader; columns are named by `columns`, by the first line seen
(`autodetect_column_names`), or `column1`, `column2`, ... An empty unquoted value is nil, as in
Ruby's CSV. A line the reader refuses (a stray quote) tags `_csvparsefailure`.
"""

from __future__ import annotations

import csv
from datetime import date
from typing import Any, Callable, Literal

from pydantic import ConfigDict, field_validator

from ..errors import ConfigError
from ..event import Event, field_ref, parse_field_ref, parse_timestamp, ruby_text
from .base import ANY_FIELD, CodeWriter, Filter, FilterOptions, Path, StrList, StrMap

__all__ = ["CsvFilter", "CONVERSIONS", "dialect"]


def _integer(value: str) -> Any:
    return int(value.strip().replace("_", "")) if value.strip().lstrip("+-").isdigit() else value


def _float(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _boolean(value: str) -> Any:
    low = value.strip().lower()
    return True if low in _TRUE else False if low in _FALSE else value


def _date(value: str) -> Any:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return value


def _date_time(value: str) -> Any:
    try:
        return parse_timestamp(value.strip())
    except ValueError:
        return value


#: `convert`'s types: text to value; a value that does not convert is kept as text, as in Logstash
CONVERSIONS: dict[str, Callable[[str], Any]] = {
    "integer": _integer, "float": _float, "boolean": _boolean, "date": _date, "date_time": _date_time,
}


def dialect(separator: str, quote: str) -> str:
    """The name of a registered csv dialect for these characters (strict quoting): a reader made
    from a registered name is twice as fast to build as one from keyword arguments, measured."""
    name = f"porttrack-logs {ord(separator)} {ord(quote)}"
    if name not in csv.list_dialects():
        csv.register_dialect(name, delimiter=separator, quotechar=quote, strict=True, doublequote=True)
    return name


class CsvOptions(FilterOptions):
    """csv's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str = "message"
    target: str | None = None
    separator: str = ","
    quote_char: str = '"'
    columns: StrList = []
    autodetect_column_names: bool = False
    autogenerate_column_names: bool = True
    skip_header: bool = False
    skip_empty_columns: bool = False
    skip_empty_rows: bool = False
    convert: StrMap = {}
    ecs_compatibility: Literal["disabled", "v1", "v8"] = "v8"  # one layout: accepted

    @field_validator("separator")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("porttrack-logs reads a one-character separator (the stdlib csv reader's limit)")
        return value

    @field_validator("quote_char")
    @classmethod
    def _quote(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("must be a single character")
        return value


class CsvFilter(Filter):
    """Logstash's `csv`."""

    name = "csv"
    Options = CsvOptions
    __slots__ = ("_source", "_target", "_sep", "_quote", "columns", "_detect", "_generate", "_skip_header",
                 "_skip_cols", "_skip_rows", "_convert", "_refs", "_tags", "_fast", "dialect")

    def _compile(self, options: CsvOptions) -> None:
        self._source = field_ref(options.source)
        self._target = options.target
        self._sep, self._quote = options.separator, options.quote_char
        self.dialect = dialect(self._sep, self._quote)
        self.columns: list[str] = list(options.columns)
        self._detect = options.autodetect_column_names
        self._generate = options.autogenerate_column_names
        self._skip_header = options.skip_header
        self._skip_cols, self._skip_rows = options.skip_empty_columns, options.skip_empty_rows
        convert = {}
        for column, kind in options.convert.items():
            fn = CONVERSIONS.get(str(kind))
            if fn is None:
                raise ConfigError(f"csv: convert type {kind!r} for {column!r} is not one of "
                                  f"{', '.join(CONVERSIONS)}", option="convert")
            convert[column] = fn
        self._convert = convert
        self._refs: dict[str, Any] = {}
        self._tags = ("_csvparsefailure",)
        simple = not self._target and self.columns and all(
            parse_field_ref(c, lenient=True) == (c,) and c not in ("@metadata", "@timestamp")
            for c in self.columns)
        self._fast = (self.columns, tuple(self.columns)) if simple else None

    def _writes(self) -> set[Path]:
        if self._target:
            return {parse_field_ref(self._target, lenient=True), ("tags",)}
        if self.columns and not self._detect and not self._generate:
            return {parse_field_ref(c, lenient=True) for c in self.columns} | {("tags",)}
        return {ANY_FIELD}

    def _ref(self, column: str) -> Any:
        ref = self._refs.get(column)
        if ref is None:
            text = f"[{self._target}][{column}]" if self._target and not self._target.startswith("[") else (
                f"{self._target}[{column}]" if self._target else column)
            ref = self._refs[column] = field_ref(text)
        return ref

    def parse_line(self, text: str) -> list[str | None]:
        """The values of one line; an unquoted empty value is None. Raises csv.Error on bad quoting."""
        reader = csv.reader(text.splitlines(True) if "\n" in text or "\r" in text else (text,), self.dialect)
        row = next(reader, [])
        if "" not in row:
            return row
        quoted = self._quote + self._quote in text
        return [v if v or quoted else None for v in row]

    def emit(self, g: CodeWriter, indent: int) -> bool | None:
        """Inline code for the common case (plain column names, nothing converted or skipped): a
        one-line text read and written straight in; anything else goes through `apply`. A line
        without the quote character is split on the separator (what the reader gives for it);
        a row of exactly the configured columns is unpacked into the fields in one statement."""
        if self._fast is None or self._detect or self._skip_header or self._skip_rows:
            return None
        v, row, k, x = g.temp("v"), g.temp("row"), g.temp("k"), g.temp("x")
        apply = g.const(self.apply, "apply")
        reader = g.const(csv.reader, "reader")
        n = len(self.columns)
        g.get(indent, self._source, v)
        g.line(indent, f"if {v}.__class__ is not str or '\\n' in {v} or '\\r' in {v}:")
        g.outcome(indent + 1, f"{apply}({g.event})")
        g.line(indent, "else:")
        g.line(indent + 1, "try:")
        # no quote (and no line break, above): the reader splits on the separator and nothing else
        g.line(indent + 2, f"if {self._quote!r} not in {v}: {row} = {v}.split({self._sep!r})")
        g.line(indent + 2, f"else: {row} = next({reader}(({v},), {self.dialect!r}), [])")
        g.line(indent + 1, f"except {g.const(csv.Error, 'error')}:")
        g.tag(indent + 2, self._tags)
        g.outcome(indent + 2, "False")
        g.line(indent + 1, "else:")
        g.line(indent + 2, f"if '' in {row} or len({row}) > {n}:")
        g.outcome(indent + 3, f"{apply}({g.event})")
        g.line(indent + 2, f"elif len({row}) == {n}:")
        targets = ", ".join(f"{g.fields}[{c!r}]" for c in self._fast[1])  # type: ignore[attr-defined]
        g.line(indent + 3, f"{targets}{',' if n == 1 else ''} = {row}")
        g.outcome(indent + 3, "True")
        g.line(indent + 2, "else:")
        g.line(indent + 3, f"for {k}, {x} in zip({g.const(self._fast[1], 'cols')}, {row}): {g.fields}[{k}] = {x}")  # type: ignore[attr-defined]
        g.outcome(indent + 3, "True")
        return True

    def apply(self, event: Event) -> bool:
        text = event.get(self._source)
        if text is None:
            return False
        if not isinstance(text, str):
            text = ruby_text(text)  # as Ruby prints it: an array as ["a", "b"]
        try:
            values = self.parse_line(text)
        except csv.Error:
            event.tag(*self._tags)
            return False
        if self._detect and not self.columns:
            self.columns = [v or "" for v in values]
            event.cancel()
            return False
        if self._skip_header and self.columns and [v or "" for v in values] == self.columns:
            event.cancel()
            return False
        if self._skip_rows and all(v is None or v == "" for v in values):
            event.cancel()
            return False
        columns = self.columns
        if self._fast is not None and self._fast[0] is columns and len(values) <= len(columns) \
                and not self._skip_cols and not self._convert:
            data = event.raw_fields()  # plain top-level names: written straight in
            for key, value in zip(self._fast[1], values):
                data[key] = value
            return True
        try:
            for i, value in enumerate(values):
                if self._skip_cols and (value is None or value == ""):
                    continue
                if i < len(columns):
                    name = columns[i]
                elif self._generate:
                    name = f"column{i + 1}"
                else:
                    continue
                fn = self._convert.get(name)
                if fn is not None and value is not None:
                    value = fn(value)
                event.set(self._ref(name), value)
        except Exception:  # a column name that is no field reference
            event.tag(*self._tags)
            return False
        return True
