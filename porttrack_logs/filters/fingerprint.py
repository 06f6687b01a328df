"""The `fingerprint` filter: a consistent hash of some fields, e.g. a deterministic document id.

Byte-exact with Logstash (fingerprint 3.5): one value is hashed as Ruby prints it (`ruby_text`),
hashes with their keys sorted; `concatenate_sources` hashes `|name|value|name|value|` over the
sorted source names, `concatenate_all_fields` the same over every field of the event, where a
hash or array value is written pipe-delimited (`key|value|key|value`, `item|item`, all the way
down) rather than as Ruby's `inspect`, whose spacing changed between JRuby versions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import unicodedata
import uuid
from typing import Any, Callable, Literal

from pydantic import ConfigDict, model_validator

from ..event import Event, field_ref, parse_field_ref, ruby_text
import mmh3
from .base import Filter, FilterOptions, Path, StrList

__all__ = ["FingerprintFilter", "concatenated_text"]

Method = Literal[
    "SHA1", "SHA256", "SHA384", "SHA512", "MD5", "MURMUR3", "MURMUR3_128", "IPV4_NETWORK", "UUID", "PUNCTUATION"
]
_DIGESTS = {"SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512", "MD5": "md5"}
_INT32 = (-(2**31), 2**31 - 1)


class FingerprintOptions(FilterOptions):
    """fingerprint's options, as Logstash names them (default target `fingerprint`, or
    `[event][hash]` when `ecs_compatibility` is v1 or v8)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)  # `key => 16` is text to Logstash

    source: StrList = ["message"]
    target: str | None = None
    ecs_compatibility: Literal["disabled", "v1", "v8"] | None = None
    method: Method = "SHA1"
    key: str | None = None
    base64encode: bool = False
    concatenate_sources: bool = False
    concatenate_all_fields: bool = False

    @model_validator(mode="after")
    def _network_needs_prefix(self) -> "FingerprintOptions":
        if self.method == "IPV4_NETWORK":
            if self.key is None or not self.key.strip().isdigit():
                raise ValueError("method IPV4_NETWORK takes the prefix length in `key`, e.g. key => \"16\"")
        return self


def _sorted_deep(value: Any) -> Any:
    """Hashes with their keys sorted, all the way down, as Logstash does before hashing."""
    if isinstance(value, dict):
        return {k: _sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_deep(v) for v in value]
    return value


def _piped(value: Any) -> str:
    """A value as fingerprint 3.5 writes it between the bars: hashes as `key|value` pairs in key
    order, arrays as their items, joined by `|` at every depth; anything else as Ruby's `to_s`."""
    if isinstance(value, dict):
        return "|".join(f"{key}|{_piped(value[key])}" for key in sorted(value))
    if isinstance(value, list):
        return "|".join(_piped(item) for item in value)
    return ruby_text(value)


def concatenated_text(pairs: list[tuple[str, Any]]) -> str:
    """`|name|value|name|value|`: the text Logstash hashes when concatenating fields."""
    return "".join(f"|{name}|{_piped(value)}" for name, value in pairs) + "|"


def _digest(method: str, key: str | None, b64: bool) -> Callable[[Any], Any]:
    name = _DIGESTS[method]
    if key is None:
        constructor = getattr(hashlib, name)

        def plain(value: Any) -> str:
            digest = constructor(ruby_text(value).encode("utf-8"))
            return base64.b64encode(digest.digest()).decode() if b64 else digest.hexdigest()

        return plain
    secret = key.encode("utf-8")

    def keyed(value: Any) -> str:
        mac = hmac.new(secret, ruby_text(value).encode("utf-8"), name)
        return base64.b64encode(mac.digest()).decode() if b64 else mac.hexdigest()

    return keyed


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86_32 as an unsigned int (mmh3, the maintained C implementation)."""
    return mmh3.hash(data, seed, signed=False)


def murmur3_x64_128(data: bytes, seed: int = 0) -> bytes:
    """MurmurHash3 x64_128 digest, as 16 little-endian bytes."""
    return mmh3.hash_bytes(data, seed)


def _murmur3(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return murmur3_32((value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))
    return murmur3_32(ruby_text(value).encode("utf-8"))


def _murmur3_128(b64: bool) -> Callable[[Any], str]:
    def murmur(value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            width = 4 if _INT32[0] <= value <= _INT32[1] else 8
            data = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        else:
            data = ruby_text(value).encode("utf-8")
        digest = murmur3_x64_128(data, 2)
        return base64.b64encode(digest).decode() if b64 else digest.hex()

    return murmur


def _ipv4_network(prefix: int) -> Callable[[Any], str]:
    def network(value: Any) -> str:
        interface = ipaddress.ip_interface(f"{ruby_text(value).strip()}/{prefix}")
        return str(interface.network.network_address)

    return network


def _punctuation(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "PS")


class FingerprintFilter(Filter):
    """Logstash's `fingerprint`: the hash function and the way to read sources chosen once."""

    name = "fingerprint"
    Options = FingerprintOptions
    __slots__ = ("_run", "_target")

    def _writes(self) -> set[Path]:
        return {parse_field_ref(self._target.text)}

    def _compile(self, options: FingerprintOptions) -> None:
        default_target = "[event][hash]" if options.ecs_compatibility in ("v1", "v8") else "fingerprint"
        target = field_ref(options.target or default_target)
        self._target = target
        method = options.method
        if method == "UUID":
            self._run = lambda event: event.set(target, str(uuid.uuid4()))
            return
        if method == "PUNCTUATION":
            self._run = self._punctuation_run(target, sorted(options.source))
            return
        if method in _DIGESTS:
            hash_value = _digest(method, options.key, options.base64encode)
        elif method == "MURMUR3":
            hash_value = _murmur3
        elif method == "MURMUR3_128":
            hash_value = _murmur3_128(options.base64encode)
        else:
            hash_value = _ipv4_network(int(options.key or "0"))
        if options.concatenate_all_fields:
            def all_fields(event: Event) -> None:
                data = event.to_dict()
                event.set(target, hash_value(concatenated_text([(k, data[k]) for k in sorted(data)])))

            self._run = all_fields
        elif options.concatenate_sources:
            names = sorted(options.source)
            refs = tuple((name, field_ref(name)) for name in names)

            def concatenated(event: Event) -> None:
                event.set(target, hash_value(concatenated_text([(n, event.get(r)) for n, r in refs])))

            self._run = concatenated
        else:
            sources = tuple(field_ref(s) for s in options.source)
            missing = object()

            def each(event: Event) -> None:
                for ref in sources:
                    value = event.get(ref, missing)
                    if value is missing:
                        continue
                    if isinstance(value, list):
                        event.set(target, [hash_value(_sorted_deep(v)) for v in value])
                    else:
                        event.set(target, hash_value(_sorted_deep(value)))

            self._run = each

    @staticmethod
    def _punctuation_run(target, names: list[str]) -> Callable[[Event], None]:
        refs = tuple(field_ref(n) for n in names)
        missing = object()

        def punctuation(event: Event) -> None:
            for ref in refs:
                value = event.get(ref, missing)
                if value is not missing:
                    event.set(target, _punctuation(ruby_text(value)))

        return punctuation

    def apply(self, event: Event) -> bool:
        try:
            self._run(event)
        except ValueError:
            return False  # IPV4_NETWORK on text that is no address: Logstash's worker would crash
        return True
