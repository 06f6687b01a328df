"""porttrack_logs: Logstash's pipeline language, run in process.

    from porttrack_logs import Pipeline
    pipeline = Pipeline.from_config("pipelines/porttrack.conf")
    events = pipeline.process([{"message": "2026-11-27T06:00:01Z ERROR crane QC-7 down"}])
"""

from .errors import ConfigError, DeliveryError, EventError, GrokError, PortTrackError
from .event import Event
from .pipeline import Pipeline

__all__ = ["Event", "Pipeline", "PortTrackError", "ConfigError", "GrokError", "EventError", "DeliveryError"]
__version__ = "0.1.0"
