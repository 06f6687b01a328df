"""Send an export to Kibana's saved objects import API, with the standard library only.

`POST [/s/<space>]/api/saved_objects/_import?overwrite=true`, a multipart/form-data body whose `file`
part is the NDJSON, the `kbn-xsrf` header Kibana requires of every write, and an API key or basic auth.
Kibana answers 200 with `success`, `successCount` and, when some objects failed, `errors`; a refused
request (bad auth, bad body) is a 4xx with `statusCode`, `error`, `message`.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..errors import PortTrackError

__all__ = ["ImportSettings", "ImportTarget", "ImportResult", "KibanaError", "import_ndjson", "multipart_body"]

_SPACE = re.compile(r"^[a-z0-9_-]+$")


class KibanaError(PortTrackError):
    """Kibana did not answer, or refused the import request as a whole."""


class ImportSettings(BaseModel):
    """Where and how to import: validated once, then compiled into an `ImportTarget`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kibana: str
    space: str | None = None
    api_key: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @field_validator("kibana")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"expected a base URL without query or fragment, got {value!r}")
        return value.rstrip("/")

    @field_validator("space")
    @classmethod
    def _space(cls, value: str | None) -> str | None:
        if value is not None and not _SPACE.match(value):
            raise ValueError(f"a Kibana space id is lower-case letters, digits, _ and -, got {value!r}")
        return value

    @model_validator(mode="after")
    def _auth(self) -> "ImportSettings":
        if self.api_key is not None and (self.user is not None or self.password is not None):
            raise ValueError("give --api-key or --user/--password, not both")
        if (self.user is None) != (self.password is None):
            raise ValueError("--user and --password go together")
        return self

    @classmethod
    def parse(cls, **options: Any) -> "ImportSettings":
        """Validate options, turning pydantic's report into one line that names the option."""
        try:
            return cls(**options)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "options"
            message = str(first["msg"]).removeprefix("Value error, ")
            raise KibanaError(f"kibana import: {where}: {message}") from None

    def build(self) -> "ImportTarget":
        """The request's fixed parts: URL and headers."""
        prefix = f"/s/{self.space}" if self.space else ""
        url = f"{self.kibana}{prefix}/api/saved_objects/_import?overwrite=true"
        headers = {"kbn-xsrf": "porttrack-logs"}
        if self.api_key is not None:
            headers["Authorization"] = f"ApiKey {self.api_key}"
        elif self.user is not None:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return ImportTarget(url, headers, self.timeout)


class ImportTarget:
    """A compiled import request: the URL, the fixed headers, the timeout."""

    __slots__ = ("url", "headers", "timeout")

    def __init__(self, url: str, headers: dict[str, str], timeout: float) -> None:
        self.url = url
        self.headers = headers
        self.timeout = timeout


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Kibana's answer: how many objects it imported and what it refused (each error as Kibana wrote it)."""

    success: bool
    success_count: int
    errors: tuple[dict[str, Any], ...]

    def error_lines(self) -> list[str]:
        """One line per refused object: type, id, title, Kibana's error type and detail."""
        lines = []
        for err in self.errors:
            detail = err.get("error") or {}
            kind = detail.get("type", "unknown")
            extra = detail.get("message") or ""
            missing = detail.get("references")
            if missing:
                extra = "missing " + ", ".join(f"{r.get('type')} {r.get('id')}" for r in missing)
            title = err.get("title") or (err.get("meta") or {}).get("title") or ""
            text = f"{err.get('type')} {err.get('id')} {title!r}: {kind}"
            lines.append(f"{text}: {extra}" if extra else text)
        return lines


def multipart_body(ndjson: bytes, filename: str, boundary: str) -> bytes:
    """A multipart/form-data body with one part, `file`, holding `ndjson` exactly."""
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    ).encode("ascii")
    return head + ndjson + f"\r\n--{boundary}--\r\n".encode("ascii")


def import_ndjson(target: ImportTarget, ndjson: bytes, filename: str = "porttrack.ndjson") -> ImportResult:
    """POST `ndjson` to Kibana's import API; KibanaError when it does not answer or refuses the request."""
    boundary = f"porttrack-{uuid.uuid4().hex}"
    body = multipart_body(ndjson, filename, boundary)
    headers = {**target.headers, "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"}
    request = urllib.request.Request(target.url, data=body, headers=headers, method="POST")
    where = target.url.split("/api/", 1)[0]
    try:
        with urllib.request.urlopen(request, timeout=target.timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise KibanaError(f"Kibana at {where} refused the import: {_refusal(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KibanaError(f"Kibana at {where} did not answer: {reason}") from None
    try:
        answer = json.loads(raw)
        return ImportResult(
            success=bool(answer["success"]),
            success_count=int(answer.get("successCount", 0)),
            errors=tuple(answer.get("errors") or ()),
        )
    except (ValueError, KeyError, TypeError):
        raise KibanaError(f"Kibana at {where} answered 200 with something that is not an import result: {raw[:200]!r}") from None


def _refusal(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read())
        message = body.get("message") or body.get("error") or ""
    except (ValueError, AttributeError, OSError):
        message = ""
    text = f"HTTP {exc.code} {exc.reason}"
    return f"{text}: {message}" if message else text
