"""One connection to an Elasticsearch cluster of major 8 or 9, on the official client's transport.

The `elasticsearch` 9 client announces `compatible-with=9` on every request, which an 8.x node
refuses ("Accept version must be either version 8 or 7, but found 9"). So the server's major is
read once at connect time and every request we send carries the media types of that major: the
client's transport still does connections, TLS, authentication and node selection, and 8.x and
9.x clusters both work with the one installed client. Request bodies we built ourselves (a
`_bulk` body, a template) go through as bytes, never re-serialised.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

import msgspec
import orjson
from elastic_transport import Serializer
from elasticsearch import ApiError, Elasticsearch, TransportError

from ...errors import DeliveryError

__all__ = ["Connection", "connect", "SUPPORTED_MAJORS", "RequestFailed", "Unreachable", "parse_byte_size"]

SUPPORTED_MAJORS = (8, 9)
DEFAULT_MAX_CONTENT_LENGTH = 100 * 1024 * 1024  #: Elasticsearch's default `http.max_content_length` (100mb)


class RequestFailed(DeliveryError):
    """Elasticsearch answered a whole request with an HTTP error (`status`, the error's `error_type`)."""

    def __init__(self, status: int, error_type: str, reason: str) -> None:
        self.status = status
        self.error_type = error_type
        self.reason = reason
        super().__init__(f"HTTP {status} {error_type}: {reason}")


class Unreachable(DeliveryError):
    """No answer: the connection failed or timed out (`reason` says which)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _QuietAnswer(msgspec.Struct):
    """A `_bulk` answer that reported no error, its items left undecoded (see `_QuietItems`)."""

    errors: bool
    items: list[msgspec.Raw]


_QUIET = msgspec.json.Decoder(_QuietAnswer)
#: How an answer asked with filter_path=errors,items.* and nothing to report starts; no other answer does
_QUIET_START = b'{"errors":false,"items":['


class _QuietItems(Sequence):
    """The items of a `_bulk` answer without errors: counted at once (all a sender needs: one per
    action), each decoded only when read. Reading 5000 of them as dicts cost 0.9 ms; this 0.3."""

    __slots__ = ("_raw", "_decoded")

    def __init__(self, raw: list[msgspec.Raw]) -> None:
        self._raw = raw
        self._decoded: list[Any] | None = None

    def _items(self) -> list[Any]:
        if self._decoded is None:
            self._decoded = [orjson.loads(memoryview(item)) for item in self._raw]
        return self._decoded

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        return self._items() == (list(other) if isinstance(other, Sequence) else other)

    def __repr__(self) -> str:
        return repr(self._items())


class _OrjsonCompat(Serializer):
    """Responses in the versioned JSON media type read with orjson (the client's default is `json`);
    a quiet `_bulk` answer (no errors, items filtered) with its items counted, not decoded."""

    mimetype = "application/vnd.elasticsearch+json"

    def loads(self, data: bytes) -> Any:
        if not data:
            return None
        if data.startswith(_QUIET_START):
            try:
                answer = _QUIET.decode(data)
            except msgspec.DecodeError:  # not that shape after all (an item holds more): read it whole
                return orjson.loads(data)
            return {"errors": answer.errors, "items": _QuietItems(answer.items)}
        return orjson.loads(data)

    def dumps(self, data: Any) -> bytes:
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode()
        return orjson.dumps(data)


class _NdjsonBytes(_OrjsonCompat):
    """`_bulk` bodies go out as the bytes we built (the client's NDJSON serializer copies them twice)."""

    mimetype = "application/vnd.elasticsearch+x-ndjson"


def _failure(exc: ApiError) -> RequestFailed:
    body = exc.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return RequestFailed(exc.meta.status, str(error.get("type", "error")), str(error.get("reason", "")))
    if error:
        text = str(error)
    elif isinstance(body, (str, bytes)) and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    else:
        text = "(no body)"
    return RequestFailed(exc.meta.status, "http_error", text[:500])


def parse_byte_size(text: str | int) -> int:
    """Bytes in an Elasticsearch byte-size setting (`100mb`, `1gb`, `512kb`, `1024b`, a bare number)."""
    if isinstance(text, int):
        return text
    value = str(text).strip().lower()
    units = (("pb", 1024**5), ("tb", 1024**4), ("gb", 1024**3), ("mb", 1024**2), ("kb", 1024), ("b", 1))
    for suffix, factor in units:
        if value.endswith(suffix):
            return int(float(value[: -len(suffix)]) * factor)
    return int(value)


def _media(kind: str, major: int) -> str:
    return f"application/vnd.elasticsearch+{kind}; compatible-with={major}"


class Connection:
    """An `Elasticsearch` client and the server's major; `request` sends bytes or JSON with that major's media types."""

    __slots__ = ("client", "major", "version", "_json", "_ndjson")

    def __init__(self, client: Elasticsearch, version: str) -> None:
        self.client = client
        self.version = version
        self.major = int(version.split(".", 1)[0])
        if self.major not in SUPPORTED_MAJORS:
            raise DeliveryError(
                f"Elasticsearch {version} is not supported: porttrack-logs talks to majors "
                f"{' and '.join(map(str, SUPPORTED_MAJORS))}"
            )
        self._json = {"accept": _media("json", self.major), "content-type": _media("json", self.major)}
        self._ndjson = {"accept": _media("json", self.major), "content-type": _media("x-ndjson", self.major)}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        ndjson: bool = False,
    ) -> Any:
        """Send one request; the answer's body (a dict for JSON). Raises the client's `ApiError` on 4xx/5xx."""
        if body is not None and not isinstance(body, (bytes, bytearray, memoryview)):
            body = orjson.dumps(body)
        headers = self._ndjson if ndjson else self._json
        response = self.client.perform_request(method, path, params=params, headers=headers, body=body)
        return response.body

    def bulk(self, body: bytes, *, params: Mapping[str, Any] | None = None) -> dict:
        """POST a `_bulk` body as it is; the response as a dict (its `items` one-to-one with the actions).

        Raises `RequestFailed` when the whole request is refused (429, 413, 5xx...) and `Unreachable`
        when no node answered, so that the sink decides what to retry.
        """
        try:
            response = self.client.perform_request("POST", "/_bulk", params=params, headers=self._ndjson, body=body)
        except ApiError as exc:
            raise _failure(exc) from exc
        except TransportError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        return response.body

    def max_content_length(self) -> int:
        """The smallest `http.max_content_length` of the cluster's nodes (set in their configuration, else
        the cluster default), or Elasticsearch's default 100mb when the cluster does not say."""
        try:
            nodes = self.request("GET", "/_nodes/settings", params={"filter_path": "nodes.*.settings.http.max_content_length"})
            found = [
                parse_byte_size(node["settings"]["http"]["max_content_length"])
                for node in (nodes or {}).get("nodes", {}).values()
            ]
            if found:
                return min(found)
            answer = self.request(
                "GET", "/_cluster/settings",
                params={"include_defaults": "true", "filter_path": "**.http.max_content_length"},
            )
            for scope in ("transient", "persistent", "defaults"):
                value = ((answer or {}).get(scope) or {}).get("http", {}).get("max_content_length")
                if value is not None:
                    return parse_byte_size(value)
        except (ApiError, TransportError, KeyError, TypeError, ValueError):
            pass
        return DEFAULT_MAX_CONTENT_LENGTH

    def close(self) -> None:
        self.client.close()


def server_version(client: Elasticsearch) -> str:
    """The version of the node answering: `GET /` where the cluster serves it, else `/_nodes/_local`
    (the `integ-test-zip` test nodes answer `GET /` with 405)."""
    headers = {"accept": "application/json"}  # plain JSON: every major accepts it
    try:
        root = client.transport.perform_request("GET", "/", headers=headers)
        return str(root.body["version"]["number"])
    except (ApiError, TransportError, KeyError, TypeError):
        pass
    nodes = client.transport.perform_request("GET", "/_nodes/_local?filter_path=nodes.*.version", headers=headers)
    versions = [str(node["version"]) for node in nodes.body.get("nodes", {}).values()]
    if not versions:
        raise DeliveryError("Elasticsearch did not say its version (GET / and GET /_nodes/_local)")
    return versions[0]


def connect(hosts: Sequence[str] | str, **client_options: Any) -> Connection:
    """A `Connection` to `hosts` (client options as `Elasticsearch(...)` takes them), the server's major read once.

    Raises `DeliveryError` naming the hosts when no node answers.
    """
    client_options.setdefault("serializers", {_OrjsonCompat.mimetype: _OrjsonCompat(), _NdjsonBytes.mimetype: _NdjsonBytes()})
    client = Elasticsearch(hosts, **client_options)
    try:
        version = server_version(client)
    except (ApiError, TransportError) as exc:
        client.close()
        raise DeliveryError(f"Elasticsearch at {hosts} did not answer: {exc}") from exc
    return Connection(client, version)
