"""One exception tree. The CLI turns any HubError into a one-line message and exit 1."""

from __future__ import annotations


class HubError(Exception):
    """Base of every error hub raises on purpose."""


class ConfigError(HubError, ValueError):
    """hub.toml or an environment override is invalid."""


class UsageError(HubError, ValueError):
    """An argument hub cannot use (a week that is not an ISO week, a limit out of range)."""


class StoreError(HubError):
    """The database could not be opened, migrated, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the database's write lock."""


class ParseError(HubError, ValueError):
    """An input document is not in the format it claims (or no known format)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class WriteError(HubError):
    """A file could not be written (disk full, read-only folder, a directory in the way);
    nothing half written is left behind (`hub.files`)."""


class CrawlError(HubError):
    """A source could not be fetched."""


class LLMError(HubError):
    """The LLM endpoint failed or answered with something unusable."""


class PublishError(HubError):
    """The site, feeds or email could not be produced or sent."""


class NotFoundError(HubError, LookupError):
    """The requested week, story or record does not exist."""
