"""Recursive-descent parser for the Logstash configuration language, following Logstash's grammar.

Lexical rules as Logstash's treetop grammar has them: plugin and option names are
`[A-Za-z0-9_-]+` or a quoted string; barewords are `[A-Za-z_][A-Za-z0-9_]+` (two characters at
least); numbers are `-?[0-9]+(.[0-9]*)?`; inside a string only backslash-quote is special to the
lexer, and escapes are processed only when `support_escapes` is on (Logstash's
`config.support_escapes`, off by default). Comments run from `#` to the end of the line and are
allowed between hash entries and at the end of the input, as Logstash allows since
2024 (elastic/logstash#16058).
Boolean operators: `and` binds tighter than `or`; `xor` and `nand` cannot be mixed with another
operator without parentheses (Logstash's compiler rejects such a condition too).
Known trap kept as Logstash has it: in a condition `["x"]` (one element, no comma) is a field
reference, not an array (elastic/logstash#1850), so `[a] in ["x"]` tests a field named `"x"`.
"""

from __future__ import annotations

import re

from ..errors import ConfigError
from ._source import SourceText
from ._tree import (
    SECTION_KINDS,
    Array,
    Attribute,
    Bareword,
    BoolOp,
    Branch,
    Compare,
    Expr,
    Hash,
    HashEntry,
    If,
    In,
    Match,
    Not,
    Number,
    PipelineConfig,
    Plugin,
    Regex,
    Section,
    Selector,
    Statement,
    String,
    Value,
)

__all__ = ["parse", "unescape", "MAX_DEPTH"]

MAX_DEPTH = 64
"""Deepest nesting of blocks, arrays, hashes and parentheses; beyond it the parser refuses."""

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BAREWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]*)?")
_SELECTOR = re.compile(r"(?:\[[^\[\],]+\])+")
_WS = " \t\r\n"
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_COMPARE = ("==", "!=", "<=", ">=", "=~", "!~", "<", ">")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


def unescape(raw: str) -> str:
    """Logstash's `config.support_escapes`: \\n \\r \\t \\\\ \\" \\' become characters; others stay."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), raw)


def parse(text: str, source: str = "<string>", *, support_escapes: bool = False) -> PipelineConfig:
    """Parse one configuration text into its tree; any mistake is a ConfigError with its place."""
    if not isinstance(text, str):
        raise ConfigError(f"configuration text must be str, not {type(text).__name__}")
    return _Parser(SourceText(text, source), support_escapes).config()


class _Parser:
    """One parse: a cursor over the text and the current nesting depth."""

    __slots__ = ("src", "text", "n", "pos", "depth", "escapes")

    def __init__(self, src: SourceText, escapes: bool) -> None:
        self.src = src
        self.text = src.text
        self.n = len(src.text)
        self.pos = 0
        self.depth = 0
        self.escapes = escapes

    # -- helpers ----------------------------------------------------------------------------------
    def error(self, message: str, offset: int | None = None) -> ConfigError:
        return self.src.error(message, self.pos if offset is None else offset)

    def at(self, offset: int):
        return self.src.position(offset)

    def found(self, offset: int | None = None) -> str:
        """How the text at `offset` reads in an error message."""
        i = self.pos if offset is None else offset
        if i >= self.n:
            return "the end of the input"
        m = _NAME.match(self.text, i)
        if m:
            return f"'{m.group()[:40]}'"
        return repr(self.text[i])

    def skip(self) -> bool:
        """Skip whitespace and comments; True when anything was skipped."""
        text, n, start = self.text, self.n, self.pos
        i = start
        while i < n:
            c = text[i]
            if c in _WS:
                i += 1
            elif c == "#":
                j = text.find("\n", i)
                i = n if j == -1 else j + 1
            else:
                break
        self.pos = i
        return i != start

    def peek(self, literal: str) -> bool:
        return self.text.startswith(literal, self.pos)

    def expect(self, literal: str, message: str) -> None:
        if not self.text.startswith(literal, self.pos):
            raise self.error(f"{message}, found {self.found()}")
        self.pos += len(literal)

    def word_at(self, word: str) -> bool:
        """Whether `word` is at the cursor and not the start of a longer name."""
        end = self.pos + len(word)
        return self.text.startswith(word, self.pos) and (end >= self.n or self.text[end] not in _NAME_CHARS)

    def enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"nesting deeper than {MAX_DEPTH} levels; flatten the configuration", offset
            )

    def leave(self) -> None:
        self.depth -= 1

    # -- configuration and sections ---------------------------------------------------------------
    def config(self) -> PipelineConfig:
        sections: list[Section] = []
        while True:
            self.skip()
            if self.pos >= self.n:
                return PipelineConfig(tuple(sections), (self.src.name,))
            start = self.pos
            m = _NAME.match(self.text, start)
            if not m:
                raise self.error(
                    f"expected a section (input, filter or output), found {self.found()}"
                )
            kind = m.group()
            if kind not in SECTION_KINDS:
                raise self.error(f"unknown section '{kind}', expected input, filter or output")
            self.pos = m.end()
            self.skip()
            self.expect("{", f"expected '{{' after section name '{kind}'")
            body = self.block(f"section '{kind}'", start)
            sections.append(Section(kind, body, self.at(start)))

    def block(self, what: str, opened_at: int) -> tuple[Statement, ...]:
        """Plugins and conditionals up to the closing brace (the `{` is already consumed)."""
        self.enter(opened_at)
        body: list[Statement] = []
        while True:
            self.skip()
            if self.pos >= self.n:
                line, col = self.at(opened_at).line, self.at(opened_at).column
                raise self.error(f"{what} opened at {line}:{col} is not closed; expected '}}'")
            if self.text[self.pos] == "}":
                self.pos += 1
                self.leave()
                return tuple(body)
            if self.word_at("if"):
                body.append(self.branch())
            elif self.word_at("else"):
                raise self.error("'else' without an 'if' before it")
            else:
                body.append(self.plugin(what))

    # -- plugins and values -----------------------------------------------------------------------
    def name(self) -> str | None:
        """A plugin or option name: `[A-Za-z0-9_-]+` or a quoted string."""
        m = _NAME.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            return m.group()
        if self.pos < self.n and self.text[self.pos] in "\"'":
            return self.string_literal(raw=True)
        return None

    def plugin(self, where: str) -> Plugin:
        start = self.pos
        name = self.name()
        if name is None:
            raise self.error(f"expected a plugin name, a conditional or '}}' in {where}, found {self.found()}")
        self.skip()
        self.expect("{", f"expected '{{' after plugin name '{name}'")
        return self.plugin_body(name, start)

    def plugin_body(self, name: str, start: int) -> Plugin:
        self.enter(start)
        attributes: list[Attribute] = []
        while True:
            separated = self.skip()
            if self.pos >= self.n:
                at = self.at(start)
                raise self.error(
                    f"plugin '{name}' opened at {at.line}:{at.column} is not closed; expected '}}'"
                )
            if self.text[self.pos] == "}":
                self.pos += 1
                self.leave()
                return Plugin(name, tuple(attributes), self.at(start))
            if attributes and not separated:
                raise self.error(
                    f"expected whitespace or a newline between options of plugin '{name}', found {self.found()}"
                )
            attr_start = self.pos
            if self.word_at("if") and not self._arrow_follows(attr_start + 2):
                raise self.error(
                    f"conditionals are allowed only at section level, not inside plugin '{name}'"
                )
            attr = self.name()
            if attr is None:
                raise self.error(f"expected an option name or '}}' in plugin '{name}', found {self.found()}")
            self.skip()
            if not self.peek("=>"):
                if self.peek("{"):
                    raise self.error(
                        f"expected '=>' after option name '{attr}', found '{{'; write {attr} => {{ ... }} "
                        f"for a hash option (plugins cannot be nested inside plugin '{name}')"
                    )
                raise self.error(f"expected '=>' after option name '{attr}', found {self.found()}")
            self.pos += 2
            self.skip()
            value = self.value(f"option '{attr}'")
            attributes.append(Attribute(attr, value, self.at(attr_start)))

    def _arrow_follows(self, offset: int) -> bool:
        saved = self.pos
        self.pos = offset
        self.skip()
        ok = self.peek("=>")
        self.pos = saved
        return ok

    def value(self, what: str) -> Value:
        """A value: plugin, bareword, string, number, array or hash (Logstash's `value` rule)."""
        start = self.pos
        if start >= self.n:
            raise self.error(f"expected a value for {what}, found the end of the input")
        c = self.text[start]
        if c == "{":
            return self.hash_value()
        if c == "[":
            return self.array_value()
        if c in "\"'":
            text = self.string_literal(raw=True)
            if self._brace_follows():
                return self.plugin_body(text, start)
            return String(unescape(text) if self.escapes else text, self.at(start))
        m = _NAME.match(self.text, start)
        if m:
            self.pos = m.end()
            if self._brace_follows():
                return self.plugin_body(m.group(), start)
            self.pos = start
            num = _NUMBER.match(self.text, start)
            if num and (num.end() >= self.n or self.text[num.end()] not in _NAME_CHARS):
                return self.number(num)
            word = m.group()
            if _BAREWORD.fullmatch(word):
                self.pos = m.end()
                return Bareword(word, self.at(start))
            if num:
                raise self.error(f"unexpected {self.found(num.end())} after the number {num.group()}", num.end())
            if len(word) == 1:
                raise self.error(
                    f"a bareword needs at least two characters; quote it: \"{word}\""
                )
            raise self.error(
                f"'{word}' is not a valid bareword (letters, digits and '_' only); quote it: \"{word}\""
            )
        raise self.error(
            f"expected a value (string, number, bareword, array or hash) for {what}, found {self.found()}"
        )

    def _brace_follows(self) -> bool:
        saved = self.pos
        self.skip()
        if self.peek("{"):
            self.pos += 1
            return True
        self.pos = saved
        return False

    def number(self, m: re.Match) -> Number:
        start = self.pos
        text = m.group()
        self.pos = m.end()
        return Number(float(text) if "." in text else int(text), self.at(start))

    def string_literal(self, raw: bool) -> str:
        """A quoted string; only backslash + the same quote is special to the lexer."""
        start = self.pos
        quote = self.text[start]
        text = self.text
        i = start + 1
        while True:
            j = text.find(quote, i)
            if j == -1:
                at = self.at(start)
                raise self.error(f"unterminated string started at {at.line}:{at.column}", start)
            # `\<quote>` is one unit for Logstash's lexer and a backslash never escapes a backslash,
            # so a quote right after a backslash inside the string never closes it
            if j > start + 1 and text[j - 1] == "\\":
                i = j + 1
                continue
            break
        self.pos = j + 1
        body = text[start + 1 : j]
        if self.escapes and not raw:
            return unescape(body)
        return body

    def array_value(self) -> Array:
        start = self.pos
        self.enter(start)
        self.pos += 1
        items: list[Value] = []
        self.skip()
        if self.peek("]"):
            self.pos += 1
            self.leave()
            return Array((), self.at(start))
        while True:
            items.append(self.value("an array element"))
            self.skip()
            if self.peek(","):
                self.pos += 1
                self.skip()
                if self.peek("]"):
                    raise self.error("expected a value after ',' (Logstash does not allow a trailing comma)")
                continue
            if self.peek("]"):
                self.pos += 1
                self.leave()
                return Array(tuple(items), self.at(start))
            if self.pos >= self.n:
                at = self.at(start)
                raise self.error(f"array opened at {at.line}:{at.column} is not closed; expected ']'")
            raise self.error(f"expected ',' or ']' in array, found {self.found()}")

    def hash_value(self) -> Hash:
        start = self.pos
        self.enter(start)
        self.pos += 1
        entries: list[HashEntry] = []
        seen: dict = {}
        while True:
            separated = self.skip()
            if self.peek("}"):
                self.pos += 1
                self.leave()
                return Hash(tuple(entries), self.at(start))
            if self.pos >= self.n:
                at = self.at(start)
                raise self.error(f"hash opened at {at.line}:{at.column} is not closed; expected '}}'")
            if self.peek(","):
                raise self.error("hash entries are separated by whitespace or newlines, not ','")
            if entries and not separated:
                raise self.error(f"expected whitespace or a newline between hash entries, found {self.found()}")
            key_start = self.pos
            key = self.hash_key()
            self.skip()
            label = key.value if isinstance(key.value, str) else repr(key.value)
            self.expect("=>", f"expected '=>' after hash key '{label}'")
            self.skip()
            value = self.value(f"hash key '{label}'")
            dict_key = (type(key.value) is str, key.value)
            if dict_key in seen:
                first = seen[dict_key]
                raise self.error(
                    f"duplicate key '{label}' in hash (first at {first.line}:{first.column}); "
                    f"Logstash rejects duplicate hash keys",
                    key_start,
                )
            seen[dict_key] = self.at(key_start)
            entries.append(HashEntry(key, value, self.at(key_start)))

    def hash_key(self) -> String | Bareword | Number:
        start = self.pos
        if self.pos < self.n and self.text[self.pos] in "\"'":
            return String(self.string_literal(raw=False), self.at(start))
        num = _NUMBER.match(self.text, start)
        if num and (num.end() >= self.n or self.text[num.end()] not in _NAME_CHARS):
            return self.number(num)
        m = _BAREWORD.match(self.text, start)
        if m and (m.end() >= self.n or self.text[m.end()] not in _NAME_CHARS):
            self.pos = m.end()
            return Bareword(m.group(), self.at(start))
        raise self.error(f"expected a hash key (string, bareword or number) or '}}', found {self.found()}")

    # -- conditionals ---------------------------------------------------------------------------
    def branch(self) -> If:
        start = self.pos
        branches: list[Branch] = []
        keyword_at = start
        self.pos += 2  # "if"
        while True:
            self.skip()
            cond = self.condition()
            self.skip()
            self.hint_operator()
            self.expect("{", "expected '{' after the condition")
            body = self.block("block of 'if'", self.pos - 1)
            branches.append(Branch(cond, body, self.at(keyword_at)))
            saved = self.pos
            self.skip()
            if not self.word_at("else"):
                self.pos = saved
                return If(tuple(branches), self.at(start))
            keyword_at = self.pos
            self.pos += 4
            self.skip()
            if self.word_at("if"):
                self.pos += 2
                continue
            if self.peek("{"):
                self.pos += 1
                body = self.block("block of 'else'", self.pos - 1)
                branches.append(Branch(None, body, self.at(keyword_at)))
                return If(tuple(branches), self.at(start))
            raise self.error(f"expected 'if' or '{{' after 'else', found {self.found()}")

    def hint_operator(self) -> None:
        """Name the fix for operators borrowed from other languages (`=`, `&&`, `||`)."""
        for wrong, right in (("&&", "and"), ("||", "or"), ("=", "==")):
            if self.peek(wrong) and not (wrong == "=" and self.peek("=>")):
                raise self.error(f"'{wrong}' is not an operator in Logstash conditions; use '{right}'")

    def condition(self) -> Expr:
        """`expression (op expression)*`, grouped by precedence: and over or; xor/nand alone."""
        start = self.pos
        operands = [self.expression()]
        ops: list[tuple[str, int]] = []
        while True:
            saved = self.pos
            self.skip()
            op = next((w for w in ("and", "or", "xor", "nand") if self.word_at(w)), None)
            if op is None:
                self.pos = saved
                break
            ops.append((op, self.pos))
            self.pos += len(op)
            self.skip()
            operands.append(self.expression())
        if not ops:
            return operands[0]
        position = self.at(start)
        if len(ops) > 1:
            for op, at in ops:
                if op in ("xor", "nand"):
                    raise self.error(
                        f"'{op}' cannot be combined with other boolean operators without parentheses "
                        f"(Logstash rejects it too); group it, e.g. (a {op} b) and c",
                        at,
                    )
        if ops[0][0] in ("xor", "nand"):
            return BoolOp(ops[0][0], tuple(operands), position)
        groups: list[list[Expr]] = [[operands[0]]]
        for (op, _), operand in zip(ops, operands[1:]):
            if op == "and":
                groups[-1].append(operand)
            else:
                groups.append([operand])
        terms: list[Expr] = [g[0] if len(g) == 1 else BoolOp("and", tuple(g), g[0].position) for g in groups]
        return terms[0] if len(terms) == 1 else BoolOp("or", tuple(terms), position)

    def expression(self) -> Expr:
        start = self.pos
        if self.pos >= self.n:
            raise self.error("expected a condition, found the end of the input")
        c = self.text[start]
        if c == "(":
            return self.parenthesised()
        if c == "!" and not self.peek("!=") and not self.peek("!~"):
            self.pos += 1
            self.skip()
            if self.peek("("):
                self.enter(start)
                inner = self.parenthesised()
                self.leave()
                return Not(inner, self.at(start))
            sel = _SELECTOR.match(self.text, self.pos)
            if sel:
                self.pos = sel.end()
                return Not(Selector(sel.group(), self.at(sel.start())), self.at(start))
            raise self.error(
                f"'!' must be followed by a field reference like [field] or a parenthesised condition, "
                f"found {self.found()}"
            )
        left = self.rvalue()
        saved = self.pos
        self.skip()
        if self.word_at("in"):
            self.pos += 2
            self.skip()
            return In(left, self.rvalue(), False, self.at(start))
        if self.word_at("not"):
            after_not = self.pos + 3
            self.pos = after_not
            if self.skip() and self.word_at("in"):
                self.pos += 2
                self.skip()
                return In(left, self.rvalue(), True, self.at(start))
            raise self.error(f"expected 'in' after 'not', found {self.found()}")
        op = next((o for o in _COMPARE if self.peek(o)), None)
        if op is None:
            self.pos = saved
            return left
        self.pos += len(op)
        self.skip()
        if op in ("=~", "!~"):
            rstart = self.pos
            if self.peek("/"):
                right: Regex | String = self.regex()
            elif self.pos < self.n and self.text[self.pos] in "\"'":
                right = String(self.string_literal(raw=False), self.at(rstart))
            else:
                raise self.error(f"expected a regex /.../ or a string after '{op}', found {self.found()}")
            return Match(op, left, right, self.at(start))
        return Compare(op, left, self.rvalue(), self.at(start))

    def parenthesised(self) -> Expr:
        start = self.pos
        self.enter(start)
        self.pos += 1
        self.skip()
        inner = self.condition()
        self.skip()
        if not self.peek(")"):
            at = self.at(start)
            raise self.error(f"expected ')' to close the '(' at {at.line}:{at.column}, found {self.found()}")
        self.pos += 1
        self.leave()
        return inner

    def rvalue(self) -> Expr:
        """A string, number, field reference, array literal or regex (Logstash's `rvalue`)."""
        start = self.pos
        if start >= self.n:
            raise self.error("expected a value in the condition, found the end of the input")
        c = self.text[start]
        if c in "\"'":
            return String(self.string_literal(raw=False), self.at(start))
        if c == "[":
            sel = _SELECTOR.match(self.text, start)
            if sel:
                self.pos = sel.end()
                return Selector(sel.group(), self.at(start))
            return self.array_value()
        if c == "/":
            return self.regex()
        num = _NUMBER.match(self.text, start)
        if num:
            if num.end() < self.n and self.text[num.end()] in _NAME_CHARS:
                raise self.error(f"unexpected {self.found(num.end())} after the number {num.group()}", num.end())
            return self.number(num)
        word = _BAREWORD.match(self.text, start)
        if word:
            after = word.end()
            saved = self.pos
            self.pos = after
            self.skip()
            is_call = self.peek("(")
            self.pos = saved
            if is_call:
                raise self.error(f"method calls like '{word.group()}(...)' are not supported in conditions")
            if word.group() in ("true", "false"):
                raise self.error(
                    f"'{word.group()}' is not a value in conditions; test the field alone ([field] or ![field]) "
                    f"or compare with the string \"{word.group()}\""
                )
            raise self.error(
                f"expected a field reference like [{word.group()}], a string, a number, an array or a regex, "
                f"found {self.found()}; field names in conditions are written in brackets"
            )
        raise self.error(
            f"expected a field reference like [field], a string, a number, an array or a regex, found {self.found()}"
        )

    def regex(self) -> Regex:
        start = self.pos
        text = self.text
        i = start + 1
        while True:
            j = text.find("/", i)
            if j == -1:
                at = self.at(start)
                raise self.error(f"unterminated regex started at {at.line}:{at.column}", start)
            if text[j - 1] == "\\" and j - 1 > start:
                i = j + 1
                continue
            break
        self.pos = j + 1
        return Regex(text[start + 1 : j], self.at(start))
