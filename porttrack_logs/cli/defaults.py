"""Where the embedded default pipeline and sample logs live (a source checkout or editable install)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_CONFIG", "DEFAULT_SAMPLES", "REPO_ROOT"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "pipelines" / "porttrack.conf"
DEFAULT_SAMPLES = REPO_ROOT / "pipelines" / "samples" / "porttrack-containers.ndjson"
