"""The `xml` filter: XML text into a hash at `target` (as Ruby's XmlSimple lays it out), and
XPath expressions into fields.

On `lxml`: the XPath that real configs write (`/a/b/text()`, `//@id`, `count(//item)`,
predicates, namespaces) is XPath 1.0, which the stdlib ElementTree does not evaluate (it has no
`text()`, no attribute results, no functions). The parser resolves no entities and fetches
nothing. Text that is no XML tags `_xmlparsefailure`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from pydantic import ConfigDict, model_validator

from ..errors import ConfigError
from ..event import Event, field_ref, parse_field_ref
from .base import Filter, FilterOptions, Path, StrList, StrMap

__all__ = ["XmlFilter", "xml_to_hash"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)


class XmlOptions(FilterOptions):
    """xml's options, as Logstash names them."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    source: str
    target: str | None = None
    store_xml: bool = True
    xpath: StrMap = {}
    namespaces: StrMap = {}
    remove_namespaces: bool = False
    force_array: bool = True
    force_content: bool = False
    suppress_empty: bool = True
    parse_options: str | None = None
    tag_on_failure: StrList = ["_xmlparsefailure"]

    @model_validator(mode="after")
    def _target_for_store(self) -> "XmlOptions":
        if self.store_xml and not self.target:
            raise ValueError("with store_xml => true (the default) a `target` must be set")
        return self


def _local(name: str) -> str:
    return name.split("}", 1)[1] if name.startswith("{") else name


def xml_to_hash(elem: Any, force_array: bool = True, force_content: bool = False,
                suppress_empty: bool = True) -> Any:
    """An element's content as XmlSimple gives it: attributes and children as keys (children in
    arrays with `force_array`), text under `content` when there is more than text."""
    children = [c for c in elem if isinstance(c.tag, str)]
    text = (elem.text or "") + "".join(c.tail or "" for c in children)
    has_text = bool(text.strip())
    if not elem.attrib and not children:
        if not has_text:
            return None if suppress_empty else {}
        return {"content": text} if force_content else text
    result: dict[str, Any] = {_local(k): v for k, v in elem.attrib.items()}
    for child in children:
        value = xml_to_hash(child, force_array, force_content, suppress_empty)
        if value is None and suppress_empty:
            continue
        name = _local(child.tag)
        if force_array:
            result.setdefault(name, []).append(value)
        elif name in result:
            prior = result[name]
            result[name] = (prior if isinstance(prior, list) else [prior]) + [value]
        else:
            result[name] = value
    if has_text:
        result["content"] = text
    return result


def _strip_namespaces(root: Any) -> None:
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = _local(el.tag)
            for key in [k for k in el.attrib if k.startswith("{")]:
                el.attrib[_local(key)] = el.attrib.pop(key)
    etree.cleanup_namespaces(root)


def _text(node: Any) -> str:
    if isinstance(node, str):
        return str(node)
    return etree.tostring(node, encoding=str, with_tail=False)


class XmlFilter(Filter):
    """Logstash's `xml`."""

    name = "xml"
    Options = XmlOptions
    __slots__ = ("_source", "_target", "_store", "_xpaths", "_ns", "_strip", "_array", "_content", "_suppress", "_tags")

    def _compile(self, options: XmlOptions) -> None:
        self._source = field_ref(options.source)
        self._target = field_ref(options.target) if options.target else None
        self._store = options.store_xml
        self._ns = {str(k): str(v) for k, v in options.namespaces.items()}
        xpaths = []
        for expr, dest in options.xpath.items():
            try:
                compiled = etree.XPath(expr, namespaces=self._ns)
            except etree.XPathSyntaxError as exc:
                raise ConfigError(f"xml: bad XPath {expr!r}: {exc}", option="xpath") from None
            xpaths.append((compiled, field_ref(str(dest))))
        self._xpaths = tuple(xpaths)
        self._strip = options.remove_namespaces
        self._array, self._content, self._suppress = options.force_array, options.force_content, options.suppress_empty
        self._tags = tuple(options.tag_on_failure)

    def _writes(self) -> set[Path]:
        out = {parse_field_ref(ref.text, lenient=True) for _, ref in self._xpaths} | {("tags",)}
        if self._target is not None and self._store:
            out.add(parse_field_ref(self._target.text, lenient=True))
        return out

    def apply(self, event: Event) -> bool:
        value = event.get(self._source)
        if isinstance(value, list):
            if len(value) != 1:
                return False
            value = value[0]
        if not isinstance(value, str) or not value.strip():
            return False
        try:
            root = etree.fromstring(value.encode("utf-8"), _PARSER)
        except (etree.XMLSyntaxError, ValueError):
            event.tag(*self._tags)
            return False
        if self._strip:
            _strip_namespaces(root)
        matched = False
        for xpath, dest in self._xpaths:
            try:
                result = xpath(root)
            except etree.XPathError:
                event.tag(*self._tags)
                continue
            if isinstance(result, list):
                if not result:
                    continue
                current = event.get(dest)
                values = current if isinstance(current, list) else ([] if current is None else [current])
                values.extend(_text(node) for node in result)
                event.set(dest, values)
            else:
                event.set(dest, result if not isinstance(result, str) else str(result))
            matched = True
        if self._store:
            event.set(self._target, xml_to_hash(root, self._array, self._content, self._suppress))
            matched = True
        return matched
