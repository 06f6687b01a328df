"""The `translate` filter: look a field's value up in a dictionary and write the translation.

The dictionary is inline (`dictionary`) or a file (`dictionary_path`: `.yml`/`.yaml`, `.json` or
a two-column `.csv`), reloaded every `refresh_interval` seconds when the file changed
(`refresh_behaviour` merge or replace). Matching as Logstash's: `exact` whole-value lookup, or
with `regex` keys as anchored patterns; without `exact` every occurrence of every key is replaced
within the text. `iterate_on` translates each element of an array (of values or of objects).
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, model_validator

from ..errors import ConfigError
from ..event import Event, Template, field_ref, parse_field_ref, ruby_text
from .base import CodeWriter, Filter, FilterOptions, Path, StrMap

__all__ = ["TranslateFilter", "load_dictionary"]


class TranslateOptions(FilterOptions):
    """translate's options, as Logstash names them (`field`/`destination` are the old names)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str | None = None
    field: str | None = None
    target: str | None = None
    destination: str | None = None
    dictionary: StrMap = {}
    dictionary_path: str | None = None
    exact: bool = True
    regex: bool = False
    fallback: str | None = None
    override: bool | None = None
    iterate_on: str | None = None
    refresh_interval: int = 300
    refresh_behaviour: Literal["merge", "replace"] = "merge"
    yaml_dictionary_code_point_limit: int | None = None
    yaml_load_strategy: Literal["one_shot", "streaming"] = "one_shot"
    ecs_compatibility: Literal["disabled", "v1", "v8"] = "v8"

    @model_validator(mode="after")
    def _names(self) -> "TranslateOptions":
        if self.source and self.field:
            raise ValueError("give `source` or its old name `field`, not both")
        if not (self.source or self.field):
            raise ValueError("`source` is required (`field` in older Logstash)")
        if self.target and self.destination:
            raise ValueError("give `target` or its old name `destination`, not both")
        if self.dictionary and self.dictionary_path:
            raise ValueError("give either `dictionary` or `dictionary_path`, not both")
        if not self.dictionary and not self.dictionary_path:
            raise ValueError("one of `dictionary` or `dictionary_path` is required")
        return self


def load_dictionary(path: str) -> dict[str, Any]:
    """A dictionary file as a dict of text keys; a ConfigError naming the file when it cannot be read."""
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(path, encoding="utf-8") as handle:
            if ext in (".yml", ".yaml"):
                data = yaml.safe_load(handle) or {}
            elif ext == ".json":
                data = json.load(handle)
            elif ext == ".csv":
                data = {}
                for n, row in enumerate(csv.reader(handle), 1):
                    if len(row) < 2:
                        raise ConfigError(f"translate: {path}:{n}: a CSV dictionary line needs a key and a value",
                                          option="dictionary_path")
                    data[row[0]] = row[1]
            else:
                raise ConfigError(f"translate: dictionary {path!r}: the file must end in .yml, .yaml, .json or .csv",
                                  option="dictionary_path")
    except OSError as exc:
        raise ConfigError(f"translate: cannot read dictionary {path!r}: {exc}", option="dictionary_path") from None
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"translate: dictionary {path!r} is not valid: {exc}", option="dictionary_path") from None
    if not isinstance(data, dict):
        raise ConfigError(f"translate: dictionary {path!r} must hold a mapping of keys to values",
                          option="dictionary_path")
    return {ruby_text(k) if not isinstance(k, str) else k: v for k, v in data.items()}


_MISS = object()


def _key(value: Any) -> str | None:
    """The dictionary key for a source value that is no text: the first of an array, a number's
    text; None for a hash or nothing."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, (dict, list)):
        return None
    return value if isinstance(value, str) else ruby_text(value)


class TranslateFilter(Filter):
    """Logstash's `translate`."""

    name = "translate"
    Options = TranslateOptions
    __slots__ = ("_source", "_target", "_dict", "_exact", "_regex", "_fallback", "_override", "_iterate",
                 "_iterate_self", "_path", "_interval", "_replace", "_next_check", "_mtime", "_patterns", "_sub")

    def _compile(self, options: TranslateOptions) -> None:
        source = options.source or options.field
        target = options.target or options.destination
        if target is None:
            target = "translation" if options.ecs_compatibility == "disabled" else source
        self._source = field_ref(source)
        self._target = field_ref(target)
        self._exact, self._regex = options.exact, options.regex
        self._fallback = Template(options.fallback) if options.fallback is not None else None
        self._override = options.override if options.override is not None else (target == source)
        self._iterate = field_ref(options.iterate_on) if options.iterate_on else None
        self._iterate_self = options.iterate_on is not None and options.iterate_on == source
        self._path = options.dictionary_path
        self._interval = options.refresh_interval
        self._replace = options.refresh_behaviour == "replace"
        self._mtime = 0.0
        self._next_check = 0.0
        if self._path:
            self._mtime = os.stat(self._path).st_mtime if os.path.exists(self._path) else 0.0
            self._set_dictionary(load_dictionary(self._path))
            self._next_check = time.monotonic() + self._interval
        else:
            self._set_dictionary({ruby_text(k) if not isinstance(k, str) else k: v
                                  for k, v in options.dictionary.items()})

    def _set_dictionary(self, data: dict[str, Any]) -> None:
        self._dict = data
        self._patterns = None
        self._sub = None
        try:
            if self._regex and self._exact:
                self._patterns = tuple((re.compile(k), v) for k, v in data.items())
            elif not self._exact and data:
                keys = sorted(data, key=len, reverse=True)
                body = "|".join(f"(?:{k})" if self._regex else re.escape(k) for k in keys)
                self._sub = re.compile(body)
        except re.error as exc:
            raise ConfigError(f"translate: a dictionary key is no valid regular expression: {exc}",
                              option="dictionary") from None

    def _writes(self) -> set[Path]:
        return {parse_field_ref(self._target.text, lenient=True)}

    def _refresh(self) -> None:
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self._interval
        try:
            mtime = os.stat(self._path).st_mtime
        except OSError:
            return
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            loaded = load_dictionary(self._path)
        except ConfigError:
            return  # a half-written file: keep the dictionary we have, try again next time
        self._set_dictionary(loaded if self._replace else {**self._dict, **loaded})

    def translate(self, value: Any) -> tuple[bool, Any]:
        """(found, translation) for one value, by the configured matching."""
        if isinstance(value, (dict, list)) or value is None:
            return False, None
        text = value if isinstance(value, str) else ruby_text(value)
        if self._exact and not self._regex:
            if text in self._dict:
                return True, self._dict[text]
            return False, None
        if self._patterns is not None:
            for pattern, item in self._patterns:
                if pattern.fullmatch(text):
                    return True, item
            return False, None
        if self._sub is None:
            return False, None
        found = False

        def repl(m: re.Match) -> str:
            nonlocal found
            found = True
            key = m.group(0)
            if key in self._dict:
                return str(self._dict[key])
            for k, v in self._dict.items():  # a regex key: find which one matched
                if re.fullmatch(k, key):
                    return str(v)
            return key

        result = self._sub.sub(repl, text)
        return found, result

    def emit(self, g: CodeWriter, indent: int) -> bool | None:
        """Inline code for an inline dictionary with exact matching (the common case): the source's
        text looked up in the dict, as `apply` does; anything else is called."""
        if self._path or self._iterate is not None or self._regex or not self._exact:
            return None
        v, t = g.temp("v"), g.temp("t")
        ev, miss = g.event, g.const(_MISS, "miss")
        fields = getattr(g, "fields", None)  # the event's field dict, where the writer names one
        flat = lambda ref: fields is not None and len(ref.path) == 1 and not ref.metadata  # noqa: E731
        # the common case first: a text value found in the dictionary (and, without override, no
        # target yet); a lazy or other value, a miss or the fallback take the general code below
        value = f"{fields}.get({self._source.path[0]!r})" if flat(self._source) else g.get_expr(self._source)
        lookup = g.const(self._dict, "dict")
        constant = self._fallback is not None and self._fallback.constant
        test = f"({v} := {value}).__class__ is str"
        if not constant and flat(self._source):
            # the value straight from the fields into the lookup: a missing field or a value no
            # key can equal (a list, a hash: unhashable) is a miss; a number or a lazy value
            # misses too and the general code reads it as text
            g.line(indent, "try:")
            g.line(indent + 1, f"{t} = {lookup}.get({fields}[{self._source.path[0]!r}], {miss})")
            g.line(indent, f"except {g.const((KeyError, TypeError), 'nokey')}:")
            g.line(indent + 1, f"{t} = {miss}")
            test = f"{t} is not {miss}"
        elif not constant:
            test += f" and ({t} := {lookup}.get({v}, {miss})) is not {miss}"
        if not self._override:
            absent = (f"{self._target.path[0]!r} not in {fields}" if flat(self._target)
                      else f"not {ev}.includes({g.const(self._target, 'ref')})")
            test = f"{absent} and {test}"
        g.line(indent, f"if {test}:")
        if constant:  # a fallback without references: the lookup's own default
            text = self._fallback.render(Event({}))  # type: ignore[union-attr]
            g.line(indent + 1, f"{t} = {lookup}.get({v}, {g.const(text, 'fallback')})")
        g.set(indent + 1, self._target, t)
        g.outcome(indent + 1, "True")
        g.line(indent, "else:")
        indent += 1
        g.get(indent, self._source, v)
        depth = indent
        if not self._override:
            g.line(indent, f"if {ev}.includes({g.const(self._target, 'ref')}):")
            g.outcome(indent + 1, "False")
            g.line(indent, "else:")
            depth += 1
        g.line(depth, f"if {v} is None and not {ev}.includes({g.const(self._source, 'ref')}):")
        g.outcome(depth + 1, "False")
        g.line(depth, "else:")
        g.line(depth + 1, f"if {v}.__class__ is not str: {v} = {g.const(_key, 'key')}({v})")
        g.line(depth + 1, f"{t} = {g.const(self._dict, 'dict')}.get({v}, {miss}) if {v} is not None else {miss}")
        g.line(depth + 1, f"if {t} is {miss}:")
        if self._fallback is not None:
            g.line(depth + 2, f"{t} = {g.const(self._fallback.render, 'render')}({ev})")
            g.set(depth + 2, self._target, t)
            g.outcome(depth + 2, "True")
        else:
            g.outcome(depth + 2, "False")
        g.line(depth + 1, "else:")
        g.set(depth + 2, self._target, t)
        g.outcome(depth + 2, "True")
        return True

    def apply(self, event: Event) -> bool:
        if self._path and self._interval > 0:
            self._refresh()
        if self._iterate is not None:
            return self._apply_each(event)
        if event.includes(self._target) and not self._override:
            return False
        value = event.get(self._source)
        if value is None and not event.includes(self._source):
            return False
        if isinstance(value, list):
            value = value[0] if value else None
        found, item = self.translate(value)
        if found:
            event.set(self._target, item)
            return True
        if self._fallback is not None:
            event.set(self._target, self._fallback.render(event))
            return True
        return False

    def _apply_each(self, event: Event) -> bool:
        items = event.get(self._iterate)
        if not isinstance(items, list):
            return False
        matched = False
        if self._iterate_self:  # an array of values: the translations as an array at target
            if event.includes(self._target) and not self._override:
                return False
            out = []
            for value in items:
                found, item = self.translate(value)
                if found:
                    out.append(item)
                    matched = True
                elif self._fallback is not None:
                    out.append(self._fallback.render(event))
                    matched = True
            if matched:
                event.set(self._target, out)
            return matched
        source, target = self._source, self._target  # an array of objects: each gets its own target
        for obj in items:
            if not isinstance(obj, dict):
                continue
            if target.get(obj) is not None and not self._override:
                continue
            found, item = self.translate(source.get(obj))
            if found:
                target.set(obj, item)
                matched = True
            elif self._fallback is not None:
                target.set(obj, self._fallback.render(event))
                matched = True
        return matched
