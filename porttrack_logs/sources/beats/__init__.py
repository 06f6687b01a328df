"""The `beats` input: a Lumberjack v2 server (Filebeat's `output.logstash`), acknowledging after delivery."""

from .config import BeatsInput
from .frames import FrameDecoder, LimitError, ProtocolError
from .server import BeatsServer

__all__ = ["BeatsInput", "BeatsServer", "FrameDecoder", "ProtocolError", "LimitError"]
