"""Oniguruma (Ruby/Logstash) regex syntax to PCRE2 or Python `re`: the one translator of the dialect.

Logstash compiles grok, conditions' `=~` and mutate's `gsub` with Oniguruma; the banks and users'
patterns rely on its dialect. `translate` rewrites the constructs whose meaning differs (ASCII
`\\w\\d\\s`, `\\h`, nested sets, mid-pattern `(?m)`, `\\z`/`\\Z`, `.?*`). For grok it turns every
named group into a plain capturing group, reporting the names in group order, so any capture
name works and captures can be read by index; `compile_ruby_regex` keeps the names (a `gsub`
replacement refers to them) for the regexes of conditions and mutate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError, TranslateError

__all__ = ["Translated", "TranslateError", "translate", "compile_ruby_regex", "PCRE", "RE"]

PCRE = "pcre"
RE = "re"

# Ruby's \w \d \s \h are ASCII-only; spelled out so both engines agree whatever their Unicode mode.
_WORD = "a-zA-Z0-9_"
_DIGIT = "0-9"
_SPACE = "\\t\\n\\x0b\\f\\r "
_HEX = "0-9a-fA-F"
_SHORTHAND_IN_CLASS = {"w": _WORD, "d": _DIGIT, "s": _SPACE, "h": _HEX}
_SHORTHAND = {
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "d": f"[{_DIGIT}]",
    "D": f"[^{_DIGIT}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "h": f"[{_HEX}]",
    "H": f"[^{_HEX}]",
}
# POSIX bracket classes for `re`, which has none: an equivalent single-character regex each.
_RE_POSIX = {
    "alnum": r"[^\W_]",
    "alpha": r"[^\W\d_]",
    "digit": r"[0-9]",
    "xdigit": r"[0-9A-Fa-f]",
    "lower": r"[a-z]",
    "upper": r"[A-Z]",
    "space": r"\s",
    "blank": r"[ \t]",
    "word": r"\w",
    "punct": r"[!-/:-@\[-`{-~]",
    "cntrl": r"[\x00-\x1f\x7f]",
    "print": r"[^\x00-\x1f\x7f]",
    "graph": r"[^\s\x00-\x1f\x7f]",
    "ascii": r"[\x00-\x7f]",
}
_RE_KNOWN_ESCAPES = set("abfnrtvx0123456789AbBZuUN")
_FLAGS = re.compile(r"\(\?([imx]*)(?:-([imx]*))?([:)])")
_QUANT = re.compile(r"\{(\d*)(,?)(\d*)\}")
_BACKREF = re.compile(r"\\[1-9]")
# `(?:[class]+)+` matches what `[class]+` matches but backtracks exponentially on a near miss
# (URIPROTO's `([A-Za-z0-9+\-.]+)+`); the group is not capturing, so folding it changes nothing.
_NESTED_REPEAT = re.compile(r"(?<!\\)\(\?:(\[\^?\]?(?:\\.|[^\]\\])*\])\+\)([+*])(?![+?])")


@dataclass(frozen=True, slots=True)
class Translated:
    """A regex in the target dialect; `names[i]` is the Oniguruma name of capturing group i+1."""

    source: str
    names: tuple[str, ...]


def translate(pattern: str, dialect: str = PCRE, *, keep_names: bool = False) -> Translated:
    """Rewrite an Oniguruma regex for `dialect` ("pcre" or "re"); raise TranslateError if impossible.
    For grok (dot-all on), named groups become positional; with `keep_names`, as Ruby compiles a
    regex literal, groups keep their names (plain ones capture when none is named), `(?m)` is dot-all."""
    return _Translator(pattern, dialect, keep_names).run()


def compile_ruby_regex(pattern: str, option: str) -> re.Pattern[str]:
    """A Ruby regex of a configuration (a condition's `=~`, mutate's `gsub`) as Python `re`, with
    Ruby's line anchors; a ConfigError naming `option` when it cannot be compiled."""
    try:
        return re.compile(translate(pattern, RE, keep_names=True).source, re.MULTILINE)
    except (re.error, TranslateError) as exc:
        raise ConfigError(f"bad regular expression {pattern!r}: {exc}", option=option) from None


class _Translator:
    __slots__ = ("src", "dialect", "keep_names", "out", "names", "has_named", "keep_plain_groups", "i", "last_quant")

    def __init__(self, src: str, dialect: str, keep_names: bool = False) -> None:
        if dialect not in (PCRE, RE):
            raise ValueError(f"unknown regex dialect {dialect!r}; expected 'pcre' or 're'")
        self.src = src
        self.dialect = dialect
        self.keep_names = keep_names
        self.out: list[str] = []
        self.names: list[str] = []
        # Oniguruma stops numbering plain groups once named ones exist; keep them only when
        # nothing is named (then numbered back-references may refer to them).
        self.has_named = re.search(r"\(\?(<[^=!]|')", src) is not None
        self.keep_plain_groups = not self.has_named and (keep_names or _BACKREF.search(src) is not None)
        self.i = 0
        self.last_quant = ""

    def run(self) -> Translated:
        src, n = self.src, len(self.src)
        while self.i < n:
            c = src[self.i]
            quant = ""
            if c == "\\":
                self._escape()
            elif c == "[":
                self._class()
            elif c == "(":
                self._group()
            elif c in "*+?":
                quant = self._quantifier(c)
            elif c == "{":
                quant = self._brace()
            else:
                self.out.append(c)
                self.i += 1
            self.last_quant = quant
        source = _NESTED_REPEAT.sub(lambda m: m.group(1) + m.group(2), "".join(self.out))
        return Translated(source, tuple(self.names))

    # -- atoms ----------------------------------------------------------------------------
    def _escape(self) -> None:
        src, i = self.src, self.i
        if i + 1 >= len(src):
            raise TranslateError("the pattern ends with a lone backslash", i)
        e = src[i + 1]
        self.i = i + 2
        if e in _SHORTHAND:
            self.out.append(_SHORTHAND[e])
        elif e == "z":
            self.out.append("\\z" if self.dialect == PCRE else "\\Z")
        elif e == "Z":
            self.out.append("\\Z" if self.dialect == PCRE else "(?=\\n?\\Z)")
        elif e == "e":
            self.out.append("\\x1b")
        elif e == "x" and src.startswith("{", self.i):
            end = src.find("}", self.i)
            if end < 0:
                raise TranslateError("unterminated \\x{...}", i)
            code = int(src[self.i + 1 : end], 16)
            self.out.append(f"\\x{{{code:x}}}" if self.dialect == PCRE else f"\\U{code:08x}")
            self.i = end + 1
        elif e == "u" and self.dialect == PCRE:
            self.out.append(f"\\x{{{src[self.i:self.i + 4]}}}")
            self.i += 4
        elif e in "pP" and self.dialect == PCRE and src.startswith("{", self.i):
            end = src.find("}", self.i)
            if end < 0:
                raise TranslateError(f"unterminated \\{e}{{...}} property", i)
            self.out.append(src[i : end + 1])  # a Unicode property: its braces are not a repeat
            self.i = end + 1
        elif e == "k":
            self._named_backref(i)
        elif e in "123456789" and self.has_named:
            raise TranslateError(
                f"numbered back-reference \\{e} in a regex with named groups: Oniguruma refuses it; "
                "refer to the group by name with \\k<name>",
                i,
            )
        elif e.isalpha() and self.dialect == RE and e not in _RE_KNOWN_ESCAPES:
            if e in "pPRXKG":
                raise TranslateError(f"\\{e} needs PCRE2; Python's re has no equivalent", i)
            self.out.append(e)  # Oniguruma reads an unknown escape as the letter itself
        else:
            self.out.append(src[i : i + 2])

    def _named_backref(self, start: int) -> None:
        """`\\k<name>` as a back-reference to the positional group(s) of that name seen so far;
        with several groups of one name, Oniguruma accepts any of them, last first."""
        src = self.src
        close = {"<": ">", "'": "'"}.get(src[self.i : self.i + 1])
        end = src.find(close, self.i + 1) if close else -1
        if end < 0:
            raise TranslateError("\\k must be followed by <name>", start)
        name = src[self.i + 1 : end]
        groups = [index for index, seen in enumerate(self.names, start=1) if seen == name]
        if not groups:
            raise TranslateError(f"back-reference \\k<{name}> names no group before it", start)
        refs = [f"(?:\\{index})" if self.dialect == RE else f"\\g{{{index}}}" for index in reversed(groups)]
        self.out.append(refs[0] if len(refs) == 1 else f"(?:{'|'.join(refs)})")
        self.i = end + 1

    def _quantifier(self, c: str) -> str:
        self.i += 1
        prev = self.last_quant
        # Oniguruma folds a repeat of a repeat: `.?*` and `.+*` mean `.*`.
        if c == "*" and prev in ("?", "+", "*"):
            self.out[-1] = "*"
            return "*"
        if prev and c in "?+":
            self.out.append(c)  # lazy or possessive suffix
            return ""
        self.out.append(c)
        return c

    def _brace(self) -> str:
        m = _QUANT.match(self.src, self.i)
        if m and (m.group(1) or m.group(3)) and not (m.group(2) == "" and not m.group(1)):
            low = m.group(1) or "0"
            self.out.append("{" + low + m.group(2) + m.group(3) + "}")
            self.i = m.end()
            return "}"
        self.out.append("\\{")
        self.i += 1
        return ""

    # -- groups ---------------------------------------------------------------------------
    def _group(self) -> None:
        src, i = self.src, self.i
        if not src.startswith("(?", i):
            self.out.append("(" if self.keep_plain_groups else "(?:")
            self.i = i + 1
            return
        nxt = src[i + 2 : i + 4]
        if nxt.startswith("#"):
            end = src.find(")", i)
            if end < 0:
                raise TranslateError("unterminated (?#...) comment", i)
            self.i = end + 1
            return
        if nxt[:1] in ("<", "'") and nxt not in ("<=", "<!"):
            close = ">" if nxt[0] == "<" else "'"
            end = src.find(close, i + 3)
            if end < 0:
                raise TranslateError("unterminated group name", i)
            self.names.append(src[i + 3 : end])
            name = self.names[-1]
            self.out.append((f"(?P<{name}>" if self.dialect == RE else f"(?<{name}>") if self.keep_names else "(")
            self.i = end + 1
            return
        if nxt.startswith("P"):
            raise TranslateError("(?P...) is not grok syntax; write a named group as (?<name>...)", i)
        m = _FLAGS.match(src, i)
        if m:
            self._flags(m)
            return
        # (?: (?= (?! (?<= (?<! (?> and anything else the engine knows
        self.out.append("(?")
        self.i = i + 2

    def _flags(self, m: re.Match) -> None:
        on, off, end = m.group(1), m.group(2) or "", m.group(3)
        # Ruby's `m` is dot-all; for grok, dot-all is already on for the whole expression.
        on = on.replace("m", "s" if self.keep_names else "")
        off = off.replace("m", "s")
        self.i = m.end()
        if end == ":":
            flags = on + (f"-{off}" if off else "")
            self.out.append(f"(?{flags}:" if flags else "(?:")
            return
        if not on and not off:
            return
        if self.dialect == RE and (self.out or off):
            raise TranslateError("Python's re takes inline flags only at the start, and only to set them", m.start())
        self.out.append(f"(?{on}{'-' + off if off else ''})")

    # -- character classes ----------------------------------------------------------------
    def _class(self) -> None:
        start = self.i
        negated, items, posix = self._class_body()
        body = "".join(items)
        if self.dialect == RE and posix:
            alts = [_RE_POSIX[name] for name in posix]
            if negated:
                rest = f"[^{body}]" if body else "[\\s\\S]"
                self.out.append(f"(?:(?!{'|'.join(alts)}){rest})")
            else:
                if body:
                    alts.append(f"[{body}]")
                self.out.append(f"(?:{'|'.join(alts)})")
            return
        if self.dialect == PCRE and posix:
            body = "".join(f"[:{name}:]" for name in posix) + body
        if not body:
            raise TranslateError("empty character class", start)
        self.out.append(f"[{'^' if negated else ''}{body}]")

    def _class_body(self) -> tuple[bool, list[str], list[str]]:
        """Parse `[...]` at self.i (nested sets folded in); returns (negated, items, posix names)."""
        src, n = self.src, len(self.src)
        start = self.i
        i = start + 1
        negated = src.startswith("^", i)
        if negated:
            i += 1
        items: list[str] = []
        posix: list[str] = []
        first = True
        while True:
            if i >= n:
                raise TranslateError("unterminated character class", start)
            c = src[i]
            if c == "]" and not first:
                i += 1
                break
            first = False
            if c == "\\":
                if i + 1 >= n:
                    raise TranslateError("unterminated character class", start)
                e = src[i + 1]
                if e in _SHORTHAND_IN_CLASS:
                    items.append(_SHORTHAND_IN_CLASS[e])
                elif e == "H":
                    raise TranslateError("\\H inside a character class is not supported", i)
                elif e == "x" and src.startswith("{", i + 2):
                    end = src.find("}", i)
                    code = int(src[i + 3 : end], 16)
                    items.append(f"\\x{{{code:x}}}" if self.dialect == PCRE else f"\\U{code:08x}")
                    i = end + 1
                    continue
                elif e.isalpha() and self.dialect == RE and e not in _RE_KNOWN_ESCAPES and e not in "WDS":
                    items.append(e)
                else:
                    items.append(src[i : i + 2])
                i += 2
                continue
            if c == "[":
                m = re.match(r"\[:(\^?)([a-z]+):\]", src[i:])
                if m:
                    if m.group(2) not in _RE_POSIX:
                        raise TranslateError(f"unknown POSIX class [:{m.group(2)}:]", i)
                    if m.group(1) and self.dialect == RE:
                        raise TranslateError("negated POSIX classes [:^name:] need PCRE2", i)
                    posix.append(m.group(1) + m.group(2))
                    i += m.end()
                    continue
                # Oniguruma: a `[` inside a class opens a nested set, i.e. a union.
                self.i = i
                sub_neg, sub_items, sub_posix = self._class_body()
                if sub_neg:
                    raise TranslateError("negated nested character sets are not supported", i)
                items.extend(sub_items)
                posix.extend(sub_posix)
                i = self.i
                continue
            if c == "&" and src.startswith("&&", i):
                raise TranslateError("character class intersection (&&) is not supported", i)
            items.append("\\" + c if c in "[&~|" else c)
            i += 1
        self.i = i
        return negated, items, posix
