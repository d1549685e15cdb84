"""Links, stories, topics, summaries: what the analysis stages write and read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from hub.store.base import BaseStore, from_db, to_db, utcnow
from hub.types import Link, Story, Summary, Topic


class AnalysisMixin(BaseStore):
    def replace_resolution(self, links: Sequence[Link], stories: Sequence[Story]) -> None:
        """Resolution is recomputed over all items: replace links and stories atomically."""
        with self.transaction():
            self.execute("DELETE FROM links")
            self.execute("DELETE FROM story_items")
            self.execute("DELETE FROM stories")
            uniq = {(ln.src, ln.dst, ln.relation): ln for ln in links}
            self.bulk_insert(
                "links",
                {
                    "src": "VARCHAR",
                    "dst": "VARCHAR",
                    "relation": "VARCHAR",
                    "method": "VARCHAR",
                    "evidence": "VARCHAR",
                },
                [(ln.src, ln.dst, ln.relation, ln.method, ln.evidence) for ln in uniq.values()],
            )
            self.bulk_insert(
                "stories",
                {"id": "VARCHAR", "title": "VARCHAR", "lead_item": "VARCHAR", "first_seen": "TIMESTAMP"},
                [(s.id, s.title, s.lead_item, s.first_seen) for s in stories],
            )
            self.bulk_insert(
                "story_items",
                {"item_id": "VARCHAR", "story_id": "VARCHAR"},
                [(i, s.id) for s in stories for i in s.item_ids],
            )

    def links(self, item_ids: Sequence[str] | None = None) -> list[Link]:
        sql = "SELECT src, dst, relation, method, evidence FROM links"
        if item_ids is None:
            rows = self.fetchall(sql + " ORDER BY src, dst")
        else:
            rows = self.fetchall(
                sql + " WHERE src IN (SELECT unnest(?)) OR dst IN (SELECT unnest(?)) ORDER BY src, dst",
                [list(item_ids), list(item_ids)],
            )
        return [Link(*r) for r in rows]

    def stories(self, ids: Sequence[str] | None = None) -> list[Story]:
        sql = (
            "SELECT s.id, s.title, list(si.item_id ORDER BY si.item_id), s.lead_item, s.first_seen "
            "FROM stories s JOIN story_items si ON si.story_id = s.id "
        )
        if ids is None:
            rows = self.fetchall(sql + "GROUP BY ALL ORDER BY s.id")
        else:
            rows = self.fetchall(
                sql + "WHERE s.id IN (SELECT unnest(?)) GROUP BY ALL ORDER BY s.id", [list(ids)]
            )
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

    def replace_topics(self, topics: Sequence[Topic]) -> None:
        with self.transaction():
            self.execute("DELETE FROM topics")
            self.executemany(
                "INSERT INTO topics VALUES (?, ?, ?, ?, ?)",
                [(t.id, t.name, t.description, list(t.keywords), t.seed) for t in topics],
            )

    def topics(self) -> list[Topic]:
        return [
            Topic(r[0], r[1], r[2] or "", tuple(r[3] or ()), bool(r[4]))
            for r in self.fetchall("SELECT id, name, description, keywords, seed FROM topics")
        ]

    def save_story_topics(self, assignments: Mapping[str, tuple[str, float, float]]) -> None:
        """story id -> (topic id, confidence, relevance); replaces those stories' rows."""
        rows = [(sid, t, c, r) for sid, (t, c, r) in assignments.items()]
        with self.transaction():
            self.execute("DELETE FROM story_topics WHERE story_id IN (SELECT unnest(?))", [list(assignments)])
            self.bulk_insert(
                "story_topics",
                {"story_id": "VARCHAR", "topic_id": "VARCHAR", "confidence": "DOUBLE", "relevance": "DOUBLE"},
                rows,
            )

    def story_topics(self, story_ids: Sequence[str]) -> dict[str, tuple[str, float, float]]:
        rows = self.fetchall(
            "SELECT story_id, topic_id, confidence, relevance FROM story_topics "
            "WHERE story_id IN (SELECT unnest(?))",
            [list(story_ids)],
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
            "SELECT content_hash, vector FROM embeddings "
            "WHERE model = ? AND content_hash IN (SELECT unnest(?))",
            [model, list(hashes)],
        )
        return {r[0]: list(r[1]) for r in rows}

    def save_embeddings(self, vectors: Mapping[str, Sequence[float]], model: str) -> None:
        self.bulk_insert(
            "embeddings",
            {"content_hash": "VARCHAR", "model": "VARCHAR", "vector": "FLOAT[]"},
            [(h, model, list(v)) for h, v in vectors.items()],
            conflict="ON CONFLICT DO NOTHING",
        )
