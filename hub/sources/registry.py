"""The sources a crawl reads: hub.toml's, mirrored into the store, plus those a user added
(`hub sources add`, an OPML import). Each is checked like hub.toml's before it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from hub import crawler
from hub.config import Config, SourceConfig, field_error
from hub.exceptions import HubError, NotFoundError
from hub.sources.ids import normalize_url
from hub.sources.urls import canonical_url, fetch_refusal, refusal_message

if TYPE_CHECKING:
    from hub.store import Store


class SourceRegistry:
    """The store's sources as one hub's config and the user's additions make them."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def sync(self) -> list[dict[str, Any]]:
        """hub.toml's sources mirrored into the store; every source, configured and added."""
        self.store.sync_config_sources([s.model_dump(mode="json") for s in self.config.sources])
        return self.store.sources()

    def add(
        self,
        name: str,
        kind: str,
        url: str = "",
        tags: Sequence[str] = (),
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        src = source_record(
            name, kind, url, tags, params, allow_link_local=self.config.crawl.allow_link_local
        )
        self.store.add_source(src)
        return src

    def import_feeds(self, feeds: Sequence[Any], extra_tags: Sequence[str] = ()) -> tuple[int, int]:
        """Add OPML feeds, all or none: every one is checked before any is stored, and they
        are stored in one transaction. A feed whose URL is already a source is skipped.
        (added, skipped)"""
        allow = self.config.crawl.allow_link_local
        new = feeds_to_add(self.sync(), feeds)
        records = [
            source_record(name, "feed", f.url, (*f.tags, *extra_tags), None, allow_link_local=allow)
            for name, f in new
        ]
        with self.store.transaction():
            for src in records:
                self.store.add_source(src)
        return len(new), len(feeds) - len(new)

    def remove(self, name: str) -> None:
        """Remove a source a user added, or disable one hub.toml lists."""
        if not self.store.remove_source(name):
            raise NotFoundError(f"no source named {name!r} (see `hub sources list`)")


def source_record(
    name: str,
    kind: str,
    url: str,
    tags: Sequence[str],
    params: Mapping[str, Any] | None,
    *,
    allow_link_local: bool = False,
) -> dict[str, Any]:
    """A source as the store keeps it, checked like hub.toml's: HubError says what is wrong.
    Its URL is stored canonical (scheme and host in lower case) and must be one hub fetches
    (`hub.sources.urls.fetch_refusal`: no link-local or metadata host unless allowed)."""
    url = canonical_url(url)
    try:
        src = SourceConfig(name=name, kind=kind, url=url, tags=tuple(tags), params=dict(params or {}))
    except ValidationError as e:
        why = "; ".join(field_error(x) for x in e.errors())
        raise HubError(f"invalid source {name!r}: {why}") from e
    if kind not in crawler.KINDS:
        raise HubError(f"unknown source kind {kind!r} (one of {', '.join(crawler.KINDS)})")
    if kind == "feed" and not url.startswith(("http://", "https://")):
        raise HubError(f"feed source {name!r} needs an http(s) url")
    for value in (url, *(v for v in src.params.values() if isinstance(v, str))):
        if refused := fetch_refusal(value, allow_link_local=allow_link_local):
            raise HubError(f"source {name!r}: {refusal_message(value, refused)}")
    return src.model_dump(mode="json")


def feeds_to_add(existing: Sequence[Mapping[str, Any]], feeds: Sequence[Any]) -> list[tuple[str, Any]]:
    """The OPML feeds whose URL is no source yet (nor an earlier feed of the list), each with
    a free source name: its own, or with -2, -3, ... appended."""
    urls = {normalize_url(s["url"]) for s in existing if s["url"]}
    names = {s["name"] for s in existing}
    new: list[tuple[str, Any]] = []
    for f in feeds:
        if normalize_url(f.url) in urls:
            continue
        name, n = f.name, 1
        while name in names:
            n += 1
            name = f"{f.name}-{n}"
        new.append((name, f))
        urls.add(normalize_url(f.url))
        names.add(name)
    return new
