"""The sidecar command with one more output, `elasticsearch_discard`, for benchmarks/sidecar_bench.py.

    python benchmarks/_sidecar_discard.py run -f CONFIG [sidecar options]
    PYTHONPATH=.:benchmarks/_discard_site python -m porttrack_logs.cli run -f CONFIG ...   # what sidecar_bench does
                                         # (the second form reaches the sidecar's own --workers children too)

`elasticsearch_discard` takes the `elasticsearch` output's options and is that output in every step but
the request: the `_bulk` body is built by `ElasticsearchSink` exactly as for a real node, handed to a
connection that counts its documents and throws the bytes away, and answered "no errors", so the sink
reads its outcomes (all indexed) as it reads a real answer. What it measures is the sidecar from the
source to the bytes of the bulk requests, with no server (and no HTTP) in the timing. Benchmark-only:
the registration happens here, never in the package.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's porttrack_logs

from porttrack_logs.sinks import settings as _outputs  # noqa: E402
from porttrack_logs.sinks.elasticsearch import ElasticsearchOutput  # noqa: E402


class DiscardConnection:
    """Stands where the Elasticsearch connection stands; keeps only counts."""

    def __init__(self) -> None:
        self.requests = 0
        self.documents = 0
        self.bytes = 0

    def bulk(self, payload: bytes, params: Any = None) -> dict:
        documents = payload.count(b"\n") // 2  # an action line and a source line each
        self.requests += 1
        self.documents += documents
        self.bytes += len(payload)
        return {"errors": False, "items": [None] * documents}

    def max_content_length(self) -> int:
        return 100 << 20  # Elasticsearch's default http.max_content_length

    def close(self) -> None:
        pass


class ElasticsearchDiscardOutput(ElasticsearchOutput):
    """The `elasticsearch` output's options and sink, with a connection that discards the bodies."""

    manage_template: bool = False

    def build(self, context: Any, *, connection: Any = None) -> Any:
        return super().build(context, connection=connection or DiscardConnection())


_outputs.OUTPUTS.setdefault("elasticsearch_discard", ElasticsearchDiscardOutput)

if __name__ == "__main__":
    from porttrack_logs.cli import main

    sys.exit(main(sys.argv[1:]))
