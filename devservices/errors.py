"""The one exception the services tool raises: what failed, where, and what to try."""


class ServiceError(Exception):
    """A service could not be fetched, started, checked or stopped; the message carries the hint."""

    def __init__(self, message: str, *, service: str = "", log_tail: str = "") -> None:
        self.service = service
        self.log_tail = log_tail
        prefix = f"{service}: " if service else ""
        super().__init__(prefix + message)
