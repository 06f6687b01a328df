"""Put PortTrack's templates on a cluster, idempotently: compare with what it holds, change only what differs.

`install` is what `porttrack-logs templates install` and the Elasticsearch output's
`manage_template` call. It returns one line per template: created, updated (naming what changed),
unchanged, or kept (differs, but `overwrite` was not asked for, as Logstash's `template_overwrite`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import DeliveryError
from ._build import component_templates, ilm_policy, index_template, lifecycle_component

if TYPE_CHECKING:  # the Elasticsearch output imports install(): no import of the sink package at run time
    from elasticsearch import ApiError

    from ..sinks.elasticsearch.client import Connection


def _client_errors() -> tuple[type[Exception], type[Exception]]:
    """The client's error types, imported when a cluster is talked to (check --template never is)."""
    from elasticsearch import ApiError, TransportError

    return ApiError, TransportError

__all__ = ["install", "has_module", "flatten"]

_VOLATILE = ("created_date_millis", "modified_date_millis", "created_date", "modified_date", "in_use_by", "version_created")


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Dotted path -> text of every scalar: the form in which two template bodies compare equal when
    Elasticsearch holds the same thing (it nests dotted settings and returns their values as strings)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        if not value:
            out[prefix] = "[]"
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is None:
        out[prefix] = "null"
    else:
        out[prefix] = str(value)
    return out


def _readable(path: str) -> str:
    """`template.mappings.properties.log.properties.level.type` -> `mappings.properties.log.level.type`."""
    if path.startswith("template."):
        path = path[len("template.") :]
    head, sep, rest = path.partition("properties.")
    return head + sep + rest.replace(".properties.", ".")


def _changes(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    a = flatten(ours)
    b = {k: v for k, v in flatten(theirs).items() if k.split(".", 1)[0] not in _VOLATILE}
    changed = []
    for path in sorted(set(a) | set(b)):
        if path not in b:
            changed.append(f"{_readable(path)} added")
        elif path not in a:
            changed.append(f"{_readable(path)} removed")
        elif a[path] != b[path]:
            changed.append(f"{_readable(path)} changed")
    return _collapse(changed)


def _collapse(changes: list[str], limit: int = 6) -> list[str]:
    """Group changes under one field (`mappings.properties.x.type changed` + `.ignore_above added` -> one
    line per field), and keep the list short."""
    grouped: dict[str, list[str]] = {}
    for change in changes:
        path, _, what = change.rpartition(" ")
        field = path.rsplit(".", 1)[0] if ".properties." in path or path.startswith("mappings.properties.") else path
        grouped.setdefault(field, []).append(what)
    lines = [f"{field} {whats[0] if len(set(whats)) == 1 else 'changed'}" for field, whats in grouped.items()]
    if len(lines) > limit:
        lines = lines[:limit] + [f"and {len(lines) - limit} more"]
    return lines


def _reason(exc: "ApiError") -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        causes = error.get("root_cause") or []
        reason = error.get("reason") or (causes[0].get("reason") if causes else None)
        kind = error.get("type")
        if reason:
            return f"{kind}: {reason}" if kind else str(reason)
    if isinstance(error, str):
        return error
    return str(exc.message)


def has_module(connection: "Connection", name: str) -> bool:
    """Whether every node of the cluster has the module `name` (x-pack-ilm, mapper-extras, ...)."""
    ApiError, TransportError = _client_errors()
    try:
        nodes = connection.request("GET", "/_nodes/plugins", params={"filter_path": "nodes.*.modules.name"})
    except (ApiError, TransportError) as exc:
        raise DeliveryError(f"Elasticsearch did not list its modules: {exc}") from exc
    found = (nodes or {}).get("nodes", {}).values()
    return bool(found) and all(any(m.get("name") == name for m in n.get("modules", [])) for n in found)


def _get(connection: "Connection", path: str, key: str, inner: str) -> dict[str, Any] | None:
    ApiError, TransportError = _client_errors()
    try:
        answer = connection.request("GET", path)
    except ApiError as exc:
        if exc.meta.status == 404:
            return None
        raise DeliveryError(f"Elasticsearch refused GET {path}: {_reason(exc)}") from exc
    except TransportError as exc:
        raise DeliveryError(f"Elasticsearch did not answer GET {path}: {exc}") from exc
    if key == "policy":  # GET _ilm/policy/<name> -> {name: {"policy": ..., "version": ...}}
        entry = next(iter(answer.values()), None) if isinstance(answer, dict) else None
        return {"policy": entry.get("policy")} if entry else None
    items = answer.get(key) or []
    return items[0].get(inner) if items else None


def _put(connection: "Connection", kind: str, name: str, path: str, body: dict[str, Any]) -> None:
    ApiError, TransportError = _client_errors()
    try:
        connection.request("PUT", path, body=body)
    except ApiError as exc:
        raise DeliveryError(f"Elasticsearch refused {kind} {name}: {_reason(exc)}") from exc
    except TransportError as exc:
        raise DeliveryError(f"Elasticsearch did not answer PUT {path}: {exc}") from exc


def _strip_policy_meta(current: dict[str, Any] | None) -> dict[str, Any] | None:
    if current is None:
        return None
    policy = dict(current.get("policy") or {})
    for key in ("version", "modified_date", "in_use_by"):
        policy.pop(key, None)
    return {"policy": policy}


def install(
    connection: "Connection",
    *,
    overwrite: bool = False,
    dry_run: bool = False,
    replicas: int | None = None,
    prefix: str = "",
) -> list[str]:
    """Put the component templates, the ILM policy and its component (where the cluster has ILM) and the
    index template; one human line per template. With `dry_run` nothing changes; without `overwrite` a
    template that exists and differs is kept. `replicas` overrides number_of_replicas (0 on one node);
    `prefix` names everything `<prefix>porttrack-logs...` for `<prefix>porttrack-logs-*` (tests).
    Raises `DeliveryError` with Elasticsearch's reason when it refuses one."""
    if replicas is not None and replicas < 0:
        raise DeliveryError(f"replicas must be 0 or more, not {replicas}")
    plan: list[tuple[str, str, str, str, dict[str, Any]]] = []  # kind, name, url, (GET key, inner), body
    for name, body in component_templates(prefix, replicas=1 if replicas is None else replicas).items():
        plan.append(("component template", name, f"/_component_template/{name}", "component_templates", body))
    lines: list[str] = []
    if has_module(connection, "x-pack-ilm"):
        name, body = ilm_policy(prefix)
        plan.append(("ILM policy", name, f"/_ilm/policy/{name}", "policy", body))
        name, body = lifecycle_component(prefix)
        plan.append(("component template", name, f"/_component_template/{name}", "component_templates", body))
    else:
        lines.append(
            f"skipped ILM policy {prefix}porttrack-logs and component template {prefix}porttrack-logs-lifecycle: "
            "the cluster has no x-pack-ilm module (the index template lists that component as optional)"
        )
    name, body = index_template(prefix)
    plan.append(("index template", name, f"/_index_template/{name}", "index_templates", body))

    for kind, name, url, key, body in plan:
        inner = {"component_templates": "component_template", "index_templates": "index_template"}.get(key, "")
        current = _get(connection, url, key, inner)
        if key == "policy":
            current = _strip_policy_meta(current)
        what = "would " if dry_run else ""
        if current is None:
            if not dry_run:
                _put(connection, kind, name, url, body)
            lines.append(f"{what}{'create' if dry_run else 'created'} {kind} {name}")
            continue
        changes = _changes(body, current)
        if not changes:
            lines.append(f"unchanged {kind} {name}")
        elif not overwrite:
            lines.append(f"kept {kind} {name} as the cluster has it (differs: {'; '.join(changes)}; overwrite to replace)")
        else:
            if not dry_run:
                _put(connection, kind, name, url, body)
            lines.append(f"{what}{'update' if dry_run else 'updated'} {kind} {name}: {'; '.join(changes)}")
    return lines


