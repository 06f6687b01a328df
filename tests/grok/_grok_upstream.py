"""Where the upstream grok material lives (read-only test data), and its conformance cases."""

from __future__ import annotations

import json
import os
from pathlib import Path

UPSTREAM = Path(
    os.environ.get("PORTTRACK_GROK_UPSTREAM", Path(__file__).resolve().parents[2].parent / "shared" / "grok-upstream")
)
SKIP_REASON = f"upstream grok corpus not found at {UPSTREAM} (set PORTTRACK_GROK_UPSTREAM)"
BANK_DIRS = {"legacy": "patterns_legacy", "ecs-v1": "patterns_ecs_v1"}


def available() -> bool:
    return (UPSTREAM / "cases.jsonl").is_file()


def cases() -> list[dict]:
    """Every conformance case, or [] when the corpus is absent."""
    if not available():
        return []
    with open(UPSTREAM / "cases.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def upstream_bank(flavour: str) -> dict[str, str]:
    """The upstream bank of one flavour, read with Logstash's line rules (for comparison only)."""
    folder = UPSTREAM / BANK_DIRS[flavour]
    patterns: dict[str, str] = {}
    for file in sorted(folder.iterdir()):
        for line in file.read_text(encoding="utf-8").splitlines():
            text = line.lstrip()
            if not text or text.startswith("#"):
                continue
            parts = text.split(None, 1)
            if len(parts) == 2:
                patterns[parts[0]] = line.lstrip()[len(parts[0]):].lstrip()
    return patterns
