"""One connection to an Elasticsearch cluster of major 8 or 9, on the official client's transport.

The `elasticsearch` 9 client announces `compatible-with=9` on every request, which an 8.x node
refuses ("Accept version must be either version 8 or 7, but found 9"). So the server's major is
read once at connect time and every request we send carries the media types of that major: the
client's transport still does connections, TLS, authentication and node selection, and 8.x and
9.x clusters both work with the one installed client. Request bodies we built ourselves (a
`_bulk` body, a template) go through as bytes, never re-serialised.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import orjson
from elasticsearch import ApiError, Elasticsearch, TransportError

from ...errors import DeliveryError

__all__ = ["Connection", "connect", "SUPPORTED_MAJORS"]

SUPPORTED_MAJORS = (8, 9)


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
        """POST a `_bulk` body as it is; the response as a dict (its `items` one-to-one with the actions)."""
        return self.request("POST", "/_bulk", body=body, params=params, ndjson=True)

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
    client = Elasticsearch(hosts, **client_options)
    try:
        version = server_version(client)
    except (ApiError, TransportError) as exc:
        client.close()
        raise DeliveryError(f"Elasticsearch at {hosts} did not answer: {exc}") from exc
    return Connection(client, version)
