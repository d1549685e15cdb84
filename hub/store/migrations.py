"""Named migrations, applied in order on open and recorded in `_hub_migrations`.

A shipped migration is never edited: add `m00N_...` at the end of MIGRATIONS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Migration = Callable[[Any], None]


def m001_initial(con: Any) -> None:
    con.execute(
        """
        CREATE TABLE items (
            id            VARCHAR PRIMARY KEY,
            kind          VARCHAR NOT NULL,
            source        VARCHAR NOT NULL,
            title         VARCHAR NOT NULL,
            url           VARCHAR NOT NULL,
            published_at  TIMESTAMP,
            first_seen    TIMESTAMP NOT NULL,
            updated_at    TIMESTAMP NOT NULL,
            authors       VARCHAR[],
            text          VARCHAR,
            tags          VARCHAR[],
            links         VARCHAR[],
            extra         JSON,
            content_hash  VARCHAR NOT NULL
        );
        CREATE TABLE observations (
            item_id      VARCHAR NOT NULL,
            metric       VARCHAR NOT NULL,
            value        DOUBLE NOT NULL,
            observed_at  TIMESTAMP NOT NULL,
            PRIMARY KEY (item_id, metric, observed_at)
        );
        CREATE TABLE sources (
            name           VARCHAR PRIMARY KEY,
            kind           VARCHAR NOT NULL,
            url            VARCHAR,
            last_success   TIMESTAMP,
            last_error     VARCHAR,
            last_error_at  TIMESTAMP
        );
        CREATE SEQUENCE fetches_id;
        CREATE TABLE fetches (
            id             BIGINT PRIMARY KEY DEFAULT nextval('fetches_id'),
            source         VARCHAR NOT NULL,
            url            VARCHAR NOT NULL,
            status         INTEGER,
            etag           VARCHAR,
            last_modified  VARCHAR,
            bytes          BIGINT,
            sha256         VARCHAR,
            format         VARCHAR,
            items          INTEGER,
            new_items      INTEGER,
            error          VARCHAR,
            duration_ms    DOUBLE,
            fetched_at     TIMESTAMP NOT NULL
        );
        CREATE TABLE links (
            src       VARCHAR NOT NULL,
            dst       VARCHAR NOT NULL,
            relation  VARCHAR NOT NULL,
            method    VARCHAR NOT NULL,
            evidence  VARCHAR,
            PRIMARY KEY (src, dst, relation)
        );
        CREATE TABLE stories (
            id          VARCHAR PRIMARY KEY,
            title       VARCHAR NOT NULL,
            lead_item   VARCHAR NOT NULL,
            first_seen  TIMESTAMP
        );
        CREATE TABLE story_items (
            item_id   VARCHAR PRIMARY KEY,
            story_id  VARCHAR NOT NULL
        );
        CREATE TABLE topics (
            id           VARCHAR PRIMARY KEY,
            name         VARCHAR NOT NULL,
            description  VARCHAR,
            keywords     VARCHAR[],
            seed         BOOLEAN NOT NULL
        );
        CREATE TABLE story_topics (
            story_id    VARCHAR PRIMARY KEY,
            topic_id    VARCHAR NOT NULL,
            confidence  DOUBLE,
            relevance   DOUBLE
        );
        CREATE TABLE summaries (
            story_id      VARCHAR NOT NULL,
            content_hash  VARCHAR NOT NULL,
            method        VARCHAR NOT NULL,
            text          VARCHAR NOT NULL,
            cites         VARCHAR[],
            tokens_in     INTEGER DEFAULT 0,
            tokens_out    INTEGER DEFAULT 0,
            created_at    TIMESTAMP NOT NULL,
            PRIMARY KEY (story_id, content_hash, method)
        );
        CREATE TABLE digests (
            week        VARCHAR PRIMARY KEY,
            start_date  DATE NOT NULL,
            end_date    DATE NOT NULL,
            created_at  TIMESTAMP NOT NULL,
            content     JSON NOT NULL
        );
        CREATE TABLE scores (
            week       VARCHAR NOT NULL,
            story_id   VARCHAR NOT NULL,
            rank       INTEGER NOT NULL,
            total      DOUBLE NOT NULL,
            breakdown  JSON,
            PRIMARY KEY (week, story_id)
        );
        CREATE SEQUENCE runs_id;
        CREATE TABLE runs (
            id          BIGINT PRIMARY KEY DEFAULT nextval('runs_id'),
            job         VARCHAR NOT NULL,
            started_at  TIMESTAMP NOT NULL,
            ended_at    TIMESTAMP,
            status      VARCHAR NOT NULL,
            counts      JSON,
            error       VARCHAR
        );
        CREATE INDEX items_published ON items (published_at);
        """
    )


def m002_crawling(con: Any) -> None:
    """Sources become rows (config + user-added), fetches know their crawl and updates."""
    con.execute(
        """
        ALTER TABLE sources ADD COLUMN tags VARCHAR[];
        ALTER TABLE sources ADD COLUMN params JSON;
        ALTER TABLE sources ADD COLUMN enabled BOOLEAN DEFAULT true;
        ALTER TABLE sources ADD COLUMN origin VARCHAR DEFAULT 'config';
        ALTER TABLE sources ADD COLUMN not_before TIMESTAMP;
        ALTER TABLE fetches ADD COLUMN updated_items INTEGER;
        ALTER TABLE fetches ADD COLUMN run_id BIGINT;
        CREATE INDEX fetches_url ON fetches (url);
        """
    )


def m003_email(con: Any) -> None:
    """Subscribers and the delivery log that makes `hub send` idempotent."""
    con.execute(
        """
        CREATE TABLE subscribers (
            email     VARCHAR PRIMARY KEY,
            token     VARCHAR NOT NULL,
            added_at  TIMESTAMP NOT NULL,
            active    BOOLEAN NOT NULL DEFAULT true
        );
        CREATE TABLE deliveries (
            week        VARCHAR NOT NULL,
            email       VARCHAR NOT NULL,
            status      VARCHAR NOT NULL,
            attempts    INTEGER NOT NULL DEFAULT 0,
            error       VARCHAR,
            message_id  VARCHAR,
            updated_at  TIMESTAMP NOT NULL,
            PRIMARY KEY (week, email)
        );
        """
    )


def m004_meta(con: Any) -> None:
    """Small key/value facts about derived state (e.g. when the search index was built)."""
    con.execute("CREATE TABLE _hub_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")


def m005_llm_calls(con: Any) -> None:
    """Every LLM call: model, prompt hash, tokens, cost estimate, latency, outcome."""
    con.execute(
        """
        CREATE TABLE llm_calls (
            called_at   TIMESTAMP NOT NULL,
            model       VARCHAR NOT NULL,
            prompt_hash VARCHAR NOT NULL,
            story_id    VARCHAR,
            tokens_in   INTEGER,
            tokens_out  INTEGER,
            cost_usd    DOUBLE,
            latency_ms  DOUBLE,
            outcome     VARCHAR NOT NULL
        );
        """
    )


def m006_embeddings(con: Any) -> None:
    """Embedding vectors from an endpoint, cached by content hash and model."""
    con.execute(
        "CREATE TABLE embeddings (content_hash VARCHAR NOT NULL, model VARCHAR NOT NULL, "
        "vector FLOAT[] NOT NULL, PRIMARY KEY (content_hash, model))"
    )


def m007_incremental_analysis(con: Any) -> None:
    """What each analyzed item points at (canonical ids), so an analyze can find the
    neighbours of new items without reloading every item; the week each emerging topic
    was first found, so re-fitting a week offers it only the topics of earlier weeks."""
    con.execute(
        """
        CREATE TABLE item_targets (item_id VARCHAR NOT NULL, target VARCHAR NOT NULL);
        CREATE TABLE topic_origins (topic_id VARCHAR PRIMARY KEY, week VARCHAR NOT NULL);
        """
    )


def m008_enrichments(con: Any) -> None:
    """What the enrich step fetched for an item: a linked article's main text, a repo's
    README opening, or an arXiv lookup. One row per (item, url); failures keep their status
    and error with no text, so a re-run never fetches the same URL again."""
    con.execute(
        """
        CREATE TABLE enrichments (
            item_id     VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            url         VARCHAR NOT NULL,
            final_url   VARCHAR,
            status      VARCHAR NOT NULL,
            http_status INTEGER,
            text        VARCHAR,
            lang        VARCHAR,
            chars       INTEGER NOT NULL DEFAULT 0,
            fetched_at  TIMESTAMP NOT NULL,
            error       VARCHAR,
            PRIMARY KEY (item_id, url)
        );
        """
    )


def m009_tantivy_search(con: Any) -> None:
    """Search moved to a tantivy index beside the database file (hub/store/search.py): an
    older hub's search tables in DuckDB, its FTS extension index and their stamps go."""
    con.execute(
        """
        DROP SCHEMA IF EXISTS fts_main_search_docs CASCADE;
        DROP TABLE IF EXISTS search_docs;
        DROP TABLE IF EXISTS search_terms;
        DROP TABLE IF EXISTS search_postings;
        DROP TABLE IF EXISTS search_dense;
        DROP TABLE IF EXISTS search_stopwords;
        DELETE FROM _hub_meta WHERE key LIKE 'search%';
        """
    )


# Tables keyed by week, with the rest of their key: (table, other key columns).
_WEEK_KEYED = (
    ("digests", ()),
    ("scores", ("story_id",)),
    ("deliveries", ("email",)),
    ("topic_origins", None),  # keyed by topic: its week is only renamed
)


def m010_canonical_weeks(con: Any) -> None:
    """Week keys as `hub.weeks.canonical_week` writes them (`2025-W16`): an older hub kept a
    week as typed (`2025-w16`, ` 2025-W16`), so one week could hold two digests, two score
    lists or two deliveries to one address. Where the canonical key already has a row, that
    row is kept (it is what hub reads and publishes) and the other spelling's row goes; a
    key that is no week at all is left as it is. A digest's stored content says its week too."""
    from hub.weeks import canonical_week  # imported here: only this migration needs it

    for table, rest in _WEEK_KEYED:
        for (week,) in con.execute(f"SELECT DISTINCT week FROM {table}").fetchall():
            try:
                canon = canonical_week(week)
            except ValueError:
                continue
            if canon == week:
                continue
            if rest is not None:
                same = " AND ".join(f"o.{c} = t.{c}" for c in rest) or "true"
                con.execute(
                    f"DELETE FROM {table} t WHERE t.week = ? "
                    f"AND EXISTS (SELECT 1 FROM {table} o WHERE o.week = ? AND {same})",
                    [week, canon],
                )
            con.execute(f"UPDATE {table} SET week = ? WHERE week = ?", [canon, week])
    con.execute(
        "UPDATE digests SET content = json_merge_patch(content, json_object('week', week)) "
        "WHERE json_extract_string(content, '$.week') IS DISTINCT FROM week"
    )


MIGRATIONS: list[Migration] = [
    m001_initial,
    m002_crawling,
    m003_email,
    m004_meta,
    m005_llm_calls,
    m006_embeddings,
    m007_incremental_analysis,
    m008_enrichments,
    m009_tantivy_search,
    m010_canonical_weeks,
]
