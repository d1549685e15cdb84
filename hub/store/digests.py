"""Digests, their per-story scores, and runs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from hub.store.base import BaseStore, to_db, utcnow

if TYPE_CHECKING:  # imported where rows become values (see items.py)
    from hub.types import Digest, Score

_SCORE_COLS = {
    "week": "VARCHAR",
    "story_id": "VARCHAR",
    "rank": "INTEGER",
    "total": "DOUBLE",
    "breakdown": "JSON",
}


def digest_to_json(d: Digest) -> str:
    return json.dumps(asdict(d), default=_iso, ensure_ascii=False)


def _iso(v: Any) -> str:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    raise TypeError(f"not JSON serializable: {type(v).__name__}")


def _dt(v: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(v) if v else None


def digest_from_json(raw: str | Mapping[str, Any]) -> Digest:
    from hub.types import Digest, DigestItem, DigestStory, TopicCount

    d = json.loads(raw) if isinstance(raw, str) else dict(raw)
    stories = tuple(
        DigestStory(
            **{
                **s,
                "items": tuple(DigestItem(**i) for i in s["items"]),
                "published_at": _dt(s.get("published_at")),
            }
        )
        for s in d["stories"]
    )
    return Digest(
        week=d["week"],
        start=dt.date.fromisoformat(d["start"]),
        end=dt.date.fromisoformat(d["end"]),
        stories=stories,
        lead=d.get("lead", ""),
        topic_counts=tuple(TopicCount(**t) for t in d.get("topic_counts", ())),
        stats=d.get("stats", {}),
        topic_intros=d.get("topic_intros", {}),
    )


class DigestsMixin(BaseStore):
    def save_digest(self, digest: Digest, ranking: Sequence[Score] = ()) -> None:
        """Replace the week's digest and its scores in one transaction: the digest's stories
        at their rank, then every other ranked story of the week after them (`ranking`,
        best first), so topic pages and `hub explain` know where each story stood."""
        rows: list[tuple[object, ...]] = [
            (digest.week, s.story_id, s.rank, s.score, dict(s.breakdown)) for s in digest.stories
        ]
        shown = {s.story_id for s in digest.stories}
        rest = [sc for sc in ranking if sc.story_id not in shown]
        rows += [
            (digest.week, sc.story_id, len(shown) + n, sc.total, dict(sc.breakdown))
            for n, sc in enumerate(rest, 1)
        ]
        with self.transaction():
            self.execute("DELETE FROM scores WHERE week = ?", [digest.week])
            self.execute("DELETE FROM digests WHERE week = ?", [digest.week])
            self.execute(
                "INSERT INTO digests VALUES (?, ?, ?, ?, ?)",
                [digest.week, digest.start, digest.end, to_db(utcnow()), digest_to_json(digest)],
            )
            self.bulk_insert("scores", _SCORE_COLS, rows)

    def digest(self, week: str) -> Digest | None:
        raw = self.scalar("SELECT content FROM digests WHERE week = ?", [week])
        return digest_from_json(raw) if raw else None

    def digests(self) -> list[Digest]:
        rows = self.fetchall("SELECT content FROM digests ORDER BY week DESC")
        return [digest_from_json(r[0]) for r in rows]

    def items_since_last_digest(self) -> int:
        """Items first seen after the newest digest was made (all items when there is none)."""
        return int(
            self.scalar(
                "SELECT count(*) FROM items WHERE first_seen > "
                "coalesce((SELECT max(created_at) FROM digests), TIMESTAMP '1970-01-01')"
            )
        )

    def digest_weeks(self) -> list[str]:
        return [r[0] for r in self.fetchall("SELECT week FROM digests ORDER BY week DESC")]

    # -- runs --------------------------------------------------------------------

    def start_run(self, job: str) -> int:
        return int(
            self.scalar(
                "INSERT INTO runs (job, started_at, status) VALUES (?, ?, 'running') RETURNING id",
                [job, to_db(utcnow())],
            )
        )

    def finish_run(
        self, run_id: int, status: str, counts: Mapping[str, Any] | None = None, error: str = ""
    ) -> None:
        self.execute(
            "UPDATE runs SET ended_at = ?, status = ?, counts = ?, error = ? WHERE id = ?",
            [to_db(utcnow()), status, json.dumps(dict(counts or {})), error or None, run_id],
        )

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.fetchall(
            "SELECT id, job, started_at, ended_at, status, counts, error FROM runs ORDER BY id DESC LIMIT ?",
            [limit],
        )
        keys = ("id", "job", "started_at", "ended_at", "status", "counts", "error")
        return [dict(zip(keys, r, strict=True)) for r in rows]
