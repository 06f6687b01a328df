"""PortTrack's fields: the one list the index templates, `check` and the Kibana views are built from.

Each `FieldSpec` names a field by its dotted path, its Elasticsearch type, whether it is indexed
and has doc values, the ECS field it is (None for PortTrack's own), the component template that
maps it, and what it means. `index_templates/` is generated from this list
(`python -m porttrack_logs.templates`); a test keeps the committed files equal to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

__all__ = ["FieldSpec", "fields", "COMPONENTS", "KEYWORD_IGNORE_ABOVE"]

#: Keyword values longer than this are kept in `_source` but not indexed (ECS's default). It also
#: keeps every term under Lucene's 32766-byte limit, which would otherwise reject the document.
KEYWORD_IGNORE_ABOVE = 1024

#: Mapping component -> what it holds (each becomes `porttrack-logs-mappings-<component>`).
COMPONENTS: Mapping[str, str] = MappingProxyType(
    {
        "base": "ECS base fields: time, message, log, event, tags, error, host, agent, input, ecs",
        "container": "where a line came from: container.* and kubernetes.* as Filebeat's container input and add_kubernetes_metadata write them",
        "porttrack": "PortTrack's domain fields (porttrack.*): vessels, berths, cranes, manifests, gates",
    }
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field: where it is, how Elasticsearch maps it, and what it means."""

    path: str
    type: str
    description: str
    component: str = "base"
    ecs: str | None = None
    index: bool = True
    doc_values: bool = True
    params: Mapping[str, Any] = field(default_factory=dict)

    def mapping(self) -> dict[str, Any]:
        """The field's mapping as Elasticsearch takes it."""
        body: dict[str, Any] = {"type": self.type}
        if self.type in ("keyword", "flattened") and self.index:
            body["ignore_above"] = KEYWORD_IGNORE_ABOVE
        if not self.index:
            body["index"] = False
        if not self.doc_values:
            body["doc_values"] = False
        body.update(self.params)
        return body


def _ecs(path: str, type_: str, description: str, component: str = "base", **kw: Any) -> FieldSpec:
    return FieldSpec(path, type_, description, component, ecs=path, **kw)


def _own(path: str, type_: str, description: str, **kw: Any) -> FieldSpec:
    return FieldSpec(path, type_, description, "porttrack", ecs=None, **kw)


_K, _T, _L, _D, _B, _IP, _F = "keyword", "text", "long", "date", "boolean", "ip", "flattened"

_FIELDS: tuple[FieldSpec, ...] = (
    # --- ECS base: what Filebeat and pipelines/porttrack.conf write on every event
    _ecs("@timestamp", _D, "when the line was logged: the log's own timestamp once the date filter parsed it, else when Filebeat read it"),
    FieldSpec("@version", _K, "event format version Logstash adds to every event (\"1\")"),
    _ecs("message", _T, "the log line after the timestamp and level (the whole line when grok did not match); plain text, as every cluster has it (ECS says match_only_text, which needs the mapper-extras module)"),
    _ecs("tags", _K, "labels set by the pipeline: alert (ERROR or worse), _grokparsefailure, _dateparsefailure, ..."),
    _ecs("labels", "object", "custom key/value pairs; strings become keywords through the dynamic templates"),
    _ecs("event.original", _K, "the line exactly as the container wrote it: kept in _source for audit, neither indexed nor aggregatable", index=False, doc_values=False),
    _ecs("event.created", _D, "when the event was first read by a pipeline"),
    _ecs("event.ingested", _D, "when the event reached Elasticsearch"),
    _ecs("event.dataset", _K, "the dataset the event belongs to"),
    _ecs("event.module", _K, "the module that produced the event"),
    _ecs("event.kind", _K, "ECS event kind (event, alert, ...)"),
    _ecs("log.level", _K, "severity as the service logged it, upper case (INFO, WARN, ERROR, FATAL, ...)"),
    _ecs("log.logger", _K, "the logger inside the service that wrote the line"),
    _ecs("log.file.path", _K, "the container log file Filebeat read (/var/log/containers/<pod>_<namespace>_<container>-<id>.log)"),
    _ecs("log.offset", _L, "byte offset of the line in that file: with the path, the line's identity"),
    _ecs("log.flags", _K, "Filebeat's flags for the line (multiline, truncated)"),
    FieldSpec("stream", _K, "the container stream the line came from: stdout or stderr (Filebeat's container input)"),
    _ecs("input.type", _K, "the Filebeat input that read the line (container, filestream, ...)"),
    _ecs("ecs.version", _K, "the ECS version the event follows"),
    _ecs("error.message", _T, "why processing the event failed, when it did"),
    _ecs("error.type", _K, "the kind of failure, when processing failed"),
    _ecs("agent.name", _K, "the shipper's configured name"),
    _ecs("agent.type", _K, "the shipper (filebeat)"),
    _ecs("agent.version", _K, "the shipper's version"),
    _ecs("agent.id", _K, "the shipper's unique id"),
    _ecs("agent.ephemeral_id", _K, "the shipper's id for this run (changes on restart)"),
    _ecs("host.name", _K, "the node the pod runs on, as Filebeat names it"),
    _ecs("host.hostname", _K, "the node's hostname"),
    _ecs("host.id", _K, "the node's unique id"),
    _ecs("host.architecture", _K, "the node's CPU architecture"),
    _ecs("host.ip", _IP, "the node's IP addresses"),
    _ecs("host.mac", _K, "the node's MAC addresses"),
    _ecs("host.containerized", _B, "whether Filebeat itself runs in a container"),
    _ecs("host.os.type", _K, "the node's operating system type (linux, ...)"),
    _ecs("host.os.family", _K, "the node's OS family (debian, redhat, ...)"),
    _ecs("host.os.name", _K, "the node's OS name"),
    _ecs("host.os.platform", _K, "the node's OS platform"),
    _ecs("host.os.version", _K, "the node's OS version"),
    _ecs("host.os.kernel", _K, "the node's kernel release"),
    _ecs("host.os.codename", _K, "the node's OS codename"),
    _ecs("cloud.provider", _K, "the cloud the node runs in (add_cloud_metadata)"),
    _ecs("cloud.region", _K, "the node's cloud region"),
    _ecs("cloud.availability_zone", _K, "the node's availability zone"),
    _ecs("cloud.instance.id", _K, "the node's cloud instance id"),
    _ecs("cloud.account.id", _K, "the cloud account the node belongs to"),
    _ecs("cloud.machine.type", _K, "the node's machine type"),
    # --- container and Kubernetes: Filebeat's container input and add_kubernetes_metadata
    _ecs("container.id", _K, "the container's id (64 hex digits)", "container"),
    _ecs("container.name", _K, "the container's name as the runtime knows it", "container"),
    _ecs("container.image.name", _K, "the image the container runs (registry/name:tag)", "container"),
    _ecs("container.runtime", _K, "the container runtime (containerd, docker, cri-o)", "container"),
    _ecs("container.labels", _F, "the runtime's container labels; flattened: any label keys, one field, no mapping conflicts", "container"),
    _ecs("kubernetes.namespace", _K, "the pod's namespace", "container"),
    FieldSpec("kubernetes.namespace_uid", _K, "the namespace's uid", "container"),
    FieldSpec("kubernetes.namespace_labels", _F, "the namespace's labels; flattened like kubernetes.labels", "container"),
    FieldSpec("kubernetes.pod.name", _K, "the pod's name", "container"),
    FieldSpec("kubernetes.pod.uid", _K, "the pod's uid", "container"),
    FieldSpec("kubernetes.pod.ip", _IP, "the pod's IP address", "container"),
    FieldSpec("kubernetes.node.name", _K, "the node the pod is scheduled on", "container"),
    FieldSpec("kubernetes.node.uid", _K, "the node's uid", "container"),
    FieldSpec("kubernetes.node.hostname", _K, "the node's hostname", "container"),
    FieldSpec("kubernetes.node.labels", _F, "the node's labels; flattened like kubernetes.labels", "container"),
    FieldSpec("kubernetes.container.name", _K, "the container's name in the pod spec (PortTrack's service name)", "container"),
    FieldSpec("kubernetes.container.image", _K, "the container's image as the pod spec names it", "container"),
    FieldSpec(
        "kubernetes.labels", _F,
        "the pod's labels. Flattened, not dynamic keyword objects: label keys are open-ended and may nest "
        "(app and app.kubernetes.io/name on one pod would make `app` a keyword and an object at once and "
        "reject the event); one flattened field takes any keys, and each label is still searchable as "
        "kubernetes.labels.<key>",
        "container",
    ),
    FieldSpec("kubernetes.annotations", _F, "the pod's annotations; flattened like kubernetes.labels", "container"),
    FieldSpec("kubernetes.replicaset.name", _K, "the replica set that owns the pod", "container"),
    FieldSpec("kubernetes.deployment.name", _K, "the deployment that owns the pod", "container"),
    FieldSpec("kubernetes.statefulset.name", _K, "the stateful set that owns the pod", "container"),
    FieldSpec("kubernetes.daemonset.name", _K, "the daemon set that owns the pod", "container"),
    FieldSpec("kubernetes.job.name", _K, "the job that owns the pod", "container"),
    FieldSpec("kubernetes.cronjob.name", _K, "the cron job that owns the job", "container"),
    # --- PortTrack's domain. pipelines/porttrack.conf keeps these values in `message` text only
    # (the sample logs carry them in the text: "Berth B07 assigned to vessel MAERSK-ELBA (IMO 9...)");
    # mapping them here means a grok or kv that parses them lands on explicit types, not guesses.
    _own("porttrack.vessel.name", _K, "the vessel's name as PortTrack writes it (MAERSK-ELBA)"),
    _own("porttrack.vessel.imo", _K, "the vessel's IMO number (7 digits; an identifier, not a quantity)"),
    _own("porttrack.berth.id", _K, "the berth (B01 to B24)"),
    _own("porttrack.crane.id", _K, "the quay crane (QC-1 ...)"),
    _own("porttrack.manifest.id", _K, "the cargo manifest (MNF-829070)"),
    _own("porttrack.cargo.container_id", _K, "the shipping container's ISO 6346 number (MSKU1234567): not container.id, which is the software container"),
    _own("porttrack.cargo.teu", _L, "twenty-foot equivalent units in a manifest"),
    _own("porttrack.gate.id", _K, "the terminal gate"),
    _own("porttrack.truck.id", _K, "the truck at the gate (TRK-1234)"),
    _own("porttrack.crew.employee_id", _K, "the crew member (EMP1234)"),
    _own("porttrack.shift", _K, "the work shift (morning, afternoon, night)"),
)


def _check(specs: tuple[FieldSpec, ...]) -> None:
    paths = {s.path for s in specs}
    if len(paths) != len(specs):
        raise ValueError("a field is listed twice")
    for spec in specs:
        if spec.component not in COMPONENTS:
            raise ValueError(f"{spec.path}: unknown component {spec.component!r}")
        parts = spec.path.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in paths and next(s for s in specs if s.path == parent).type != "object":
                raise ValueError(f"{spec.path}: its parent {parent} is mapped as a leaf")


_check(_FIELDS)
_BY_PATH = MappingProxyType({spec.path: spec for spec in _FIELDS})


def fields() -> Mapping[str, FieldSpec]:
    """Every PortTrack field by dotted path, in template order (read-only)."""
    return _BY_PATH
