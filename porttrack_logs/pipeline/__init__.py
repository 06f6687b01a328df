"""Runnable pipelines built from Logstash configuration; no I/O."""

from ._pipeline import Pipeline

__all__ = ["Pipeline"]
