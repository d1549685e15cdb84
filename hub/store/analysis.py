"""Links, stories, topics, summaries: what the analysis stages write and read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hub.store.base import BaseStore, from_db, to_db, utcnow
from hub.store.items import IDS, id_list

if TYPE_CHECKING:  # imported where rows become values (see items.py)
    from hub.types import Item, Link, Story, Summary, Topic

_LINK_COLS = {
    "src": "VARCHAR",
    "dst": "VARCHAR",
    "relation": "VARCHAR",
    "method": "VARCHAR",
    "evidence": "VARCHAR",
}
_STORY_COLS = {"id": "VARCHAR", "title": "VARCHAR", "lead_item": "VARCHAR", "first_seen": "TIMESTAMP"}
_TARGET_COLS = {"item_id": "VARCHAR", "target": "VARCHAR"}
_STORIES_SQL = (
    "SELECT s.id, s.title, list(si.item_id ORDER BY si.item_id), s.lead_item, s.first_seen "
    "FROM stories s JOIN story_items si ON si.story_id = s.id "
)
_TOPIC_COLS = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "description": "VARCHAR",
    "keywords": "VARCHAR[]",
    "seed": "BOOLEAN",
}


class AnalysisMixin(BaseStore):
    def replace_resolution(
        self, links: Sequence[Link], stories: Sequence[Story], targets: Iterable[tuple[str, str]] = ()
    ) -> None:
        """A full resolution over all items: replace links, stories and targets atomically."""
        with self.transaction():
            for table in ("links", "story_items", "stories", "item_targets"):
                self.execute(f"DELETE FROM {table}")
            self._insert_resolution(links, stories, targets)

    def save_resolution(
        self,
        item_ids: Collection[str],
        old_story_ids: Collection[str],
        links: Sequence[Link],
        stories: Sequence[Story],
        targets: Iterable[tuple[str, str]] = (),
    ) -> None:
        """An incremental resolution: replace what `item_ids` (whole stories) link and form.

        Links are stored from their src item, so the items' own links are replaced; the
        old stories go (with the topic rows of those that no longer exist)."""
        ids, old = id_list(item_ids), id_list(old_story_ids)
        gone = id_list(set(old_story_ids) - {s.id for s in stories})
        with self.transaction():
            self.execute(f"DELETE FROM links WHERE src IN {IDS}", [ids])
            self.execute(f"DELETE FROM item_targets WHERE item_id IN {IDS}", [ids])
            self.execute(f"DELETE FROM story_items WHERE item_id IN {IDS}", [ids])
            self.execute(f"DELETE FROM stories WHERE id IN {IDS}", [old])
            self.execute(f"DELETE FROM story_topics WHERE story_id IN {IDS}", [gone])
            self._insert_resolution(links, stories, targets)

    def _insert_resolution(
        self, links: Sequence[Link], stories: Sequence[Story], targets: Iterable[tuple[str, str]]
    ) -> None:
        uniq = {(ln.src, ln.dst, ln.relation): ln for ln in links}
        link_rows = [(ln.src, ln.dst, ln.relation, ln.method, ln.evidence) for ln in uniq.values()]
        self.bulk_insert("links", _LINK_COLS, link_rows)
        story_rows = [(s.id, s.title, s.lead_item, s.first_seen) for s in stories]
        self.bulk_insert("stories", _STORY_COLS, story_rows)
        self.bulk_insert(
            "story_items",
            {"item_id": "VARCHAR", "story_id": "VARCHAR"},
            [(i, s.id) for s in stories for i in s.item_ids],
        )
        self.bulk_insert("item_targets", _TARGET_COLS, list(dict.fromkeys(targets)))

    def add_item_targets(self, targets: Iterable[tuple[str, str]]) -> None:
        """What items point at, ahead of their resolution (a first analyze in batches)."""
        self.bulk_insert("item_targets", _TARGET_COLS, list(dict.fromkeys(targets)))

    def item_ids_by_time(self) -> list[str]:
        """Every item id, oldest published first (undated last), ties by id."""
        return [r[0] for r in self.fetchall("SELECT id FROM items ORDER BY published_at NULLS LAST, id")]

    # -- incremental analysis: what changed, and its neighbours ---------------------

    def analysis_state(self) -> tuple[str | None, str | None]:
        """(items stamp, settings signature) recorded by the last analyze; None if never."""
        rows = dict(
            self.fetchall("SELECT key, value FROM _hub_meta WHERE key IN ('analyzed', 'analyze_settings')")
        )
        return rows.get("analyzed"), rows.get("analyze_settings")

    def analysis_stamp(self) -> str:
        """The newest item update: items updated after it are new to the next analyze."""
        latest = self.scalar("SELECT max(updated_at) FROM items")
        return latest.isoformat() if latest is not None else ""

    def mark_analyzed(self, stamp: str, settings: str) -> None:
        self.executemany(
            "INSERT OR REPLACE INTO _hub_meta VALUES (?, ?)",
            [("analyzed", stamp), ("analyze_settings", settings)],
        )

    def changed_item_ids(self, stamp: str) -> list[str]:
        """Items updated after `stamp`, or not in any story yet."""
        since = dt.datetime.fromisoformat(stamp) if stamp else dt.datetime.min
        return [
            r[0]
            for r in self.fetchall(
                "SELECT id FROM items i WHERE i.updated_at > ? OR NOT EXISTS "
                "(SELECT 1 FROM story_items si WHERE si.item_id = i.id) ORDER BY id",
                [since],
            )
        ]

    def existing_ids(self, ids: Collection[str]) -> set[str]:
        rows = self.fetchall(f"SELECT id FROM items WHERE id IN {IDS}", [id_list(ids)])
        return {r[0] for r in rows}

    def targets_of(self, item_ids: Collection[str]) -> set[str]:
        rows = self.fetchall(
            f"SELECT DISTINCT target FROM item_targets WHERE item_id IN {IDS}", [id_list(item_ids)]
        )
        return {r[0] for r in rows}

    def items_targeting(self, targets: Collection[str], *, posts_below_links: int | None = None) -> set[str]:
        """Items that point at any of `targets` (only posts with fewer links than
        `posts_below_links`, if given: those that are not roundups)."""
        sql, params = "SELECT DISTINCT t.item_id FROM item_targets t", []
        if posts_below_links is not None:
            sql += (
                " JOIN items i ON i.id = t.item_id WHERE i.kind IN ('post', 'thread')"
                " AND len(coalesce(i.links, [])) < ? AND"
            )
            params.append(posts_below_links)
        else:
            sql += " WHERE"
        rows = self.fetchall(sql + f" t.target IN {IDS}", [*params, id_list(targets)])
        return {r[0] for r in rows}

    def papers_linking(self, repos: Collection[str], exclude: Collection[str]) -> dict[str, list[str]]:
        """repo -> the papers (not HF pages) outside `exclude` that link it."""
        rows = self.fetchall(
            "SELECT t.target, t.item_id FROM item_targets t JOIN items i ON i.id = t.item_id "
            f"WHERE i.kind = 'paper' AND NOT starts_with(i.id, 'hf:') AND t.target IN {IDS} "
            f"AND t.item_id NOT IN {IDS} ORDER BY 1, 2",
            [id_list(repos), id_list(exclude)],
        )
        out: dict[str, list[str]] = {}
        for repo, item in rows:
            out.setdefault(repo, []).append(item)
        return out

    def same_neighbours(self, item_ids: Collection[str]) -> set[str]:
        """Items in the same stories as, or `same`-linked (joined or refused) to, `item_ids`."""
        ids = [id_list(item_ids)]
        members = self.fetchall(
            "SELECT item_id FROM story_items WHERE story_id IN "
            f"(SELECT story_id FROM story_items WHERE item_id IN {IDS})",
            ids,
        )
        linked = self.fetchall(
            f"SELECT src, dst FROM links WHERE relation = 'same' AND (src IN {IDS} OR dst IN {IDS})",
            ids * 2,
        )
        return {r[0] for r in members} | {i for r in linked for i in r}

    def title_candidates(self, ranges: Sequence[tuple[dt.datetime, dt.datetime]]) -> list[Item]:
        """Light items (id, kind, source, title, url, date) published in any range, or undated."""
        clauses = " OR ".join(["published_at BETWEEN ? AND ?"] * len(ranges)) or "false"
        params: list[Any] = [to_db(t) for r in ranges for t in r]
        rows = self.fetchall(
            f"SELECT id, kind, source, title, url, published_at FROM items "
            f"WHERE {clauses} OR published_at IS NULL",
            params,
        )
        from hub.types import Item

        return [Item(r[0], r[1], r[2], r[3], r[4], from_db(r[5])) for r in rows]

    def story_first_seen(self, item_ids: Collection[str]) -> dict[str, dt.datetime | None]:
        """story id -> first_seen of the stories holding `item_ids`."""
        rows = self.fetchall(
            "SELECT DISTINCT s.id, s.first_seen FROM stories s JOIN story_items si ON si.story_id = s.id "
            f"WHERE si.item_id IN {IDS}",
            [id_list(item_ids)],
        )
        return {r[0]: from_db(r[1]) for r in rows}

    def stories_first_seen(self, ranges: Sequence[tuple[dt.datetime, dt.datetime] | None]) -> list[Story]:
        """Stories whose first item was published in any [start, end) of `ranges` (None: the
        undated ones), by id: one join with story_items for them all."""
        clauses, params = [], []
        for r in ranges:
            if r is None:
                clauses.append("s.first_seen IS NULL")
            else:
                clauses.append("(s.first_seen >= ? AND s.first_seen < ?)")
                params += [to_db(r[0]), to_db(r[1])]
        rows = self.fetchall(
            _STORIES_SQL + f"WHERE {' OR '.join(clauses) or 'false'} GROUP BY ALL ORDER BY s.id", params
        )
        from hub.types import Story

        return [Story(r[0], r[1], tuple(r[2]), r[3], from_db(r[4])) for r in rows]

    def links(self, item_ids: Sequence[str] | None = None) -> list[Link]:
        sql = "SELECT src, dst, relation, method, evidence FROM links"
        if item_ids is None:
            rows = self.fetchall(sql + " ORDER BY src, dst")
        else:
            rows = self.fetchall(
                sql + f" WHERE src IN {IDS} OR dst IN {IDS} ORDER BY src, dst",
                [id_list(item_ids), id_list(item_ids)],
            )
        from hub.types import Link

        return [Link(*r) for r in rows]

    def stories(self, ids: Sequence[str] | None = None) -> list[Story]:
        if ids is None:
            rows = self.fetchall(_STORIES_SQL + "GROUP BY ALL ORDER BY s.id")
        else:
            sql = _STORIES_SQL + f"WHERE s.id IN {IDS} GROUP BY ALL ORDER BY s.id"
            rows = self.fetchall(sql, [id_list(ids)])
        from hub.types import Story

        return [Story(r[0], r[1], tuple(r[2]), r[3], from_db(r[4])) for r in rows]

    def story_ids_in_window(self, start: dt.datetime, end: dt.datetime) -> list[str]:
        """Stories with at least one item published in [start, end)."""
        return [
            r[0]
            for r in self.fetchall(
                "SELECT DISTINCT si.story_id FROM story_items si JOIN items i ON i.id = si.item_id "
                "WHERE i.published_at >= ? AND i.published_at < ? ORDER BY 1",
                [to_db(start), to_db(end)],
            )
        ]

    def post_ids_in_window(self, start: dt.datetime, end: dt.datetime, sources: Collection[str]) -> list[str]:
        """Posts of the given sources published in [start, end) (earlier newsletter issues)."""
        if not sources:
            return []
        return [
            r[0]
            for r in self.fetchall(
                "SELECT id FROM items WHERE kind = 'post' AND published_at >= ? AND published_at < ? "
                "AND list_contains(?, source) ORDER BY id",
                [to_db(start), to_db(end), sorted(sources)],
            )
        ]

    def engagement_baseline(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[str, str, str, float, float, int]]:
        """Per item published in [start, end) and metric observed before `end`:
        (source, item id, metric, best value, lowest value, days observed) — what ranking
        compares a story's engagement with, within its own source."""
        return [
            (r[0], r[1], r[2], float(r[3]), float(r[4]), int(r[5]))
            for r in self.fetchall(
                "SELECT i.source, o.item_id, o.metric, max(o.value), min(o.value), "
                "count(DISTINCT CAST(o.observed_at AS DATE)) "
                "FROM observations o JOIN items i ON i.id = o.item_id "
                "WHERE i.published_at >= ? AND i.published_at < ? AND o.observed_at < ? "
                "GROUP BY ALL",
                [to_db(start), to_db(end), to_db(end)],
            )
        ]

    def replace_topics(self, topics: Sequence[Topic]) -> None:
        with self.transaction():
            self.execute("DELETE FROM topics")
            self.bulk_insert(
                "topics",
                _TOPIC_COLS,
                [(t.id, t.name, t.description, list(t.keywords), t.seed) for t in topics],
            )

    def topic_origins(self) -> dict[str, str]:
        """emerging topic id -> the ISO week it was first found in."""
        return dict(self.fetchall("SELECT topic_id, week FROM topic_origins"))

    def save_topics(self, topics: Sequence[Topic], origins: Mapping[str, str]) -> None:
        """Replace the topic list and the emerging topics' origins (unused ones are dropped)."""
        used = {r[0] for r in self.fetchall("SELECT DISTINCT topic_id FROM story_topics")}
        keep = [t for t in topics if t.seed or t.id in used]
        with self.transaction():
            self.replace_topics(keep)
            self.execute("DELETE FROM topic_origins")
            self.bulk_insert(
                "topic_origins",
                {"topic_id": "VARCHAR", "week": "VARCHAR"},
                [(t.id, origins[t.id]) for t in keep if t.id in origins],
            )

    def topics(self) -> list[Topic]:
        from hub.types import Topic

        return [
            Topic(r[0], r[1], r[2] or "", tuple(r[3] or ()), bool(r[4]))
            for r in self.fetchall("SELECT id, name, description, keywords, seed FROM topics")
        ]

    def save_story_topics(self, assignments: Mapping[str, tuple[str, float, float]]) -> None:
        """story id -> (topic id, confidence, relevance); replaces those stories' rows.

        An upsert on the key: deleting them first scanned the whole table (~2x slower at 1M)."""
        self.bulk_insert(
            "story_topics",
            {"story_id": "VARCHAR", "topic_id": "VARCHAR", "confidence": "DOUBLE", "relevance": "DOUBLE"},
            [(sid, t, c, r) for sid, (t, c, r) in assignments.items()],
            conflict="ON CONFLICT (story_id) DO UPDATE SET topic_id = excluded.topic_id, "
            "confidence = excluded.confidence, relevance = excluded.relevance",
        )

    def story_topics(self, story_ids: Sequence[str]) -> dict[str, tuple[str, float, float]]:
        rows = self.fetchall(
            f"SELECT story_id, topic_id, confidence, relevance FROM story_topics WHERE story_id IN {IDS}",
            [id_list(story_ids)],
        )
        return {r[0]: (r[1], float(r[2] or 0), float(r[3] or 0)) for r in rows}

    def topic_story_counts(self, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
        rows = self.fetchall(
            "SELECT st.topic_id, count(DISTINCT st.story_id) FROM story_topics st "
            "JOIN story_items si ON si.story_id = st.story_id JOIN items i ON i.id = si.item_id "
            "WHERE i.published_at >= ? AND i.published_at < ? GROUP BY 1",
            [to_db(start), to_db(end)],
        )
        return {r[0]: int(r[1]) for r in rows}

    def cached_summary(self, story_id: str, content_hash: str, method: str) -> Summary | None:
        row = self.execute(
            "SELECT text, cites, method FROM summaries "
            "WHERE story_id = ? AND content_hash = ? AND method = ?",
            [story_id, content_hash, method],
        ).fetchone()
        from hub.types import Summary

        return Summary(story_id, row[0], tuple(row[1] or ()), row[2]) if row else None

    def save_summary(self, s: Summary, content_hash: str, tokens_in: int = 0, tokens_out: int = 0) -> None:
        self.execute(
            "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                s.story_id,
                content_hash,
                s.method,
                s.text,
                list(s.cites),
                tokens_in,
                tokens_out,
                to_db(utcnow()),
            ],
        )

    def story_of_item(self, item_id: str) -> str | None:
        return self.scalar("SELECT story_id FROM story_items WHERE item_id = ?", [item_id])  # type: ignore[no-any-return]

    def story_scores(self, story_id: str) -> list[tuple[str, int, float, dict[str, float]]]:
        import json

        rows = self.fetchall(
            "SELECT week, rank, total, breakdown FROM scores WHERE story_id = ? ORDER BY week DESC",
            [story_id],
        )
        return [(r[0], int(r[1]), float(r[2]), json.loads(r[3]) if r[3] else {}) for r in rows]

    def log_llm_call(
        self,
        model: str,
        prompt_hash: str,
        story_id: str | None,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float,
        latency_ms: float,
        outcome: str,
    ) -> None:
        self.execute(
            "INSERT INTO llm_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                to_db(utcnow()),
                model,
                prompt_hash,
                story_id,
                tokens_in,
                tokens_out,
                cost_usd,
                latency_ms,
                outcome[:300],
            ],
        )

    def llm_usage(self) -> dict[str, float]:
        row = self.execute(
            "SELECT count(*), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), "
            "coalesce(sum(cost_usd), 0) FROM llm_calls"
        ).fetchone()
        calls, tin, tout, cost = row if row else (0, 0, 0, 0.0)
        return {"calls": int(calls), "tokens_in": int(tin), "tokens_out": int(tout), "cost_usd": float(cost)}

    def cached_embeddings(self, hashes: Sequence[str], model: str) -> dict[str, list[float]]:
        rows = self.fetchall(
            f"SELECT content_hash, vector FROM embeddings WHERE model = ? AND content_hash IN {IDS}",
            [model, id_list(hashes)],
        )
        return {r[0]: list(r[1]) for r in rows}

    def save_embeddings(self, vectors: Mapping[str, Sequence[float]], model: str) -> None:
        self.bulk_insert(
            "embeddings",
            {"content_hash": "VARCHAR", "model": "VARCHAR", "vector": "FLOAT[]"},
            [(h, model, list(v)) for h, v in vectors.items()],
            conflict="ON CONFLICT DO NOTHING",
        )
