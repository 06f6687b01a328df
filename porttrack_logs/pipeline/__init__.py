"""Runnable pipelines built from Logstash configuration; no I/O."""

from ._pipeline import BATCH_SIZE, Pipeline

__all__ = ["Pipeline", "BATCH_SIZE"]
