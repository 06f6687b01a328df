"""Which migration versions the exports claim, per Kibana line: what the oldest release of the line knows.

Kibana refuses an object whose `typeMigrationVersion` is newer than it knows ("belongs to a more recent
version of Kibana") and migrates an older one forward on import. So each target claims, per type, a
version its OLDEST supported release already has, with attributes in that version's shape; newer minors
of the line (and the next major) migrate them on import.

Where the numbers come from (Kibana's source, elastic/kibana):
- `coreMigrationVersion` "8.8.0": the last core transform of the document migrator
  (core-saved-objects-migration-server-internal, document_migrator/migrations/index.ts); Kibana's own
  fixtures write it for 8.8 and every later release, 9.x included.
- index-pattern "8.0.0": its migrations end at 7.11.0, then the multi-namespace conversion at
  `convertToMultiNamespaceTypeVersion: '8.0.0'` (data_views/server/saved_objects/data_views.ts).
- lens "8.9.0": the last of lens's legacy migrations; lens exports from 8.9 to 9.x carry it.
- search and dashboard have model versions; a model version N is written as the virtual version
  "10.N.0" (modelVersionToVirtualVersion). search: 1 sampleSize, 2 headerRowHeight, 3 visContext,
  4 the patterns view mode, 5 grid density (saved_search/server/saved_objects/schema.ts); dashboard:
  1 and 2 by 8.14, 3 in 9.x. 8.x claims 10.2.0 for both (known by 8.14, so by 8.15 and 8.19); 9.x claims
  search 10.5.0 (grid density: the data table's density setting merged 2024-07-17, elastic/kibana#188495,
  after the 8.15 branch, so 8.16 and every 9.x) and dashboard 10.2.0 (its 3rd model version is not in
  every 9.x). Later search model versions (13 and up, "Discover sessions" with tabs, elastic/kibana#256376)
  transform these legacy attributes on import.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

__all__ = ["CORE_MIGRATION_VERSION", "TARGETS", "TYPE_MIGRATION_VERSIONS", "OLDEST_RELEASE"]

CORE_MIGRATION_VERSION = "8.8.0"

#: The Kibana lines an export is written for.
TARGETS: tuple[str, ...] = ("8.x", "9.x")

#: The oldest release of each line the export is written to import into.
OLDEST_RELEASE: Mapping[str, str] = MappingProxyType({"8.x": "8.15.0", "9.x": "9.0.0"})

#: target -> saved object type -> typeMigrationVersion.
TYPE_MIGRATION_VERSIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "8.x": MappingProxyType(
            {"index-pattern": "8.0.0", "search": "10.2.0", "lens": "8.9.0", "dashboard": "10.2.0"}
        ),
        "9.x": MappingProxyType(
            {"index-pattern": "8.0.0", "search": "10.5.0", "lens": "8.9.0", "dashboard": "10.2.0"}
        ),
    }
)
