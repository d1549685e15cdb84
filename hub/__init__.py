"""hub: a field-tracking knowledge hub and weekly digest for AI engineers.

Public API: `make_hub(config)` returns a `Hub`; `load_config()` reads hub.toml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.config import Config, load_config
from hub.exceptions import (
    ConfigError,
    CrawlError,
    HubError,
    LLMError,
    NotFoundError,
    ParseError,
    PublishError,
    StoreError,
    StoreLockedError,
)
from hub.types import Digest, DigestItem, DigestStory, Item, Observation, Story, Summary, Topic

__version__ = "0.1.0"
__all__ = [
    "Config",
    "ConfigError",
    "CrawlError",
    "Digest",
    "DigestItem",
    "DigestStory",
    "Hub",
    "HubError",
    "Item",
    "LLMError",
    "NotFoundError",
    "Observation",
    "ParseError",
    "PublishError",
    "StoreError",
    "StoreLockedError",
    "Story",
    "Summary",
    "Topic",
    "load_config",
    "make_hub",
]

if TYPE_CHECKING:
    from hub.core import Hub, make_hub


def __getattr__(name: str) -> Any:
    # Lazy: importing hub.types or hub.sources must not pull in every stage.
    if name in ("Hub", "make_hub"):
        from hub import core

        return getattr(core, name)
    raise AttributeError(f"module 'hub' has no attribute {name!r}")
