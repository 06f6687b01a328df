"""PortTrack's saved Kibana views: one description (`_views`) built into import NDJSON for Kibana 8.x
and 9.x against the index templates' field list, and the client that imports it."""

from ._build import NAMESPACE, USES, ViewError, default_path, export, object_id, render, saved_objects, tags_query
from ._import import ImportResult, ImportSettings, ImportTarget, KibanaError, import_ndjson, multipart_body
from ._versions import CORE_MIGRATION_VERSION, OLDEST_RELEASE, TARGETS, TYPE_MIGRATION_VERSIONS

__all__ = [
    "saved_objects",
    "render",
    "export",
    "default_path",
    "object_id",
    "tags_query",
    "NAMESPACE",
    "USES",
    "ViewError",
    "TARGETS",
    "OLDEST_RELEASE",
    "CORE_MIGRATION_VERSION",
    "TYPE_MIGRATION_VERSIONS",
    "ImportSettings",
    "ImportTarget",
    "ImportResult",
    "KibanaError",
    "import_ndjson",
    "multipart_body",
]
