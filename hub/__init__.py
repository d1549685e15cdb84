"""hub: a field-tracking knowledge hub and weekly digest for AI engineers.

Public API: `make_hub(config)` returns a `Hub`; `load_config()` reads hub.toml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    UsageError,
)

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
    "UsageError",
    "load_config",
    "make_hub",
]

if TYPE_CHECKING:
    from hub.config import Config, load_config
    from hub.core import Hub, make_hub
    from hub.types import Digest, DigestItem, DigestStory, Item, Observation, Story, Summary, Topic

_LAZY = {"Hub": "core", "make_hub": "core", "Config": "config", "load_config": "config"}
_TYPES = ("Digest", "DigestItem", "DigestStory", "Item", "Observation", "Story", "Summary", "Topic")


def __getattr__(name: str) -> Any:
    # Lazy: importing hub.types or hub.sources must not pull in every stage, and `hub --help`
    # must not pay for pydantic (hub.config) either.
    module = _LAZY.get(name) or ("types" if name in _TYPES else None)
    if module is None:
        raise AttributeError(f"module 'hub' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"hub.{module}"), name)
