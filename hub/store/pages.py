"""What the site's pages read beyond the digests: a week's stored story scores and the
latest summary of each story (topic pages and the papers page list every story of the
week, not only the digest's)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.store.base import BaseStore
from hub.store.items import IDS, id_list


class PagesMixin(BaseStore):
    def week_scores(self, week: str) -> dict[str, float]:
        """story id -> the total score stored for `week` (every ranked story the digest stored)."""
        rows = self.fetchall("SELECT story_id, total FROM scores WHERE week = ?", [week])
        return {r[0]: float(r[1]) for r in rows}

    def story_summaries(self, story_ids: Sequence[str]) -> dict[str, str]:
        """story id -> its newest stored summary text (LLM or extractive), for those that have one."""
        if not story_ids:
            return {}
        rows = self.fetchall(
            f"SELECT story_id, arg_max(text, created_at) FROM summaries WHERE story_id IN {IDS} GROUP BY 1",
            [id_list(story_ids)],
        )
        return {r[0]: r[1] for r in rows if r[1]}
