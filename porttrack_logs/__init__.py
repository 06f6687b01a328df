"""porttrack_logs: Logstash's pipeline language, run in process."""

from .errors import ConfigError, DeliveryError, EventError, GrokError, PortTrackError
from .event import Event

__all__ = ["Event", "PortTrackError", "ConfigError", "GrokError", "EventError", "DeliveryError"]
__version__ = "0.1.0"
