"""The `elasticsearch` output: `_bulk` bodies sent through the official client, one outcome per document.

`config` (the options) is imported by `sinks.settings`, which the pipeline compiler reads; the client
library is imported only when a sink is built, so compiling a pipeline does not load it.
"""

from typing import Any

__all__ = ["ElasticsearchOutput", "ElasticsearchSink", "Connection", "connect", "fingerprint", "RequestFailed", "Unreachable"]

_HOMES = {
    "ElasticsearchOutput": "config", "ElasticsearchSink": "sink", "fingerprint": "sink",
    "Connection": "client", "connect": "client", "RequestFailed": "client", "Unreachable": "client",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{home}"), name)
