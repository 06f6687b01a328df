"""The `elasticsearch` output: `_bulk` bodies sent through the official client, one outcome per document."""
