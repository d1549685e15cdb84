"""Exploring the store from outside: read-only SQL (`hub sql`) and table exports (`hub export`).

A query is checked before it runs: one statement, a SELECT (or SHOW/DESCRIBE/SUMMARIZE/
WITH, which DuckDB parses as SELECT) or EXPLAIN. Anything else (INSERT, UPDATE, CREATE,
COPY ... TO, ATTACH, SET, INSTALL ...) is refused with a clear error, even before the
read-only connection would refuse it. Exports are DuckDB's own COPY, streamed to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from hub.exceptions import StoreError
from hub.store.base import BaseStore

EXPORT_FORMATS = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER", "jsonl": "FORMAT json"}
_READ_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def check_read_only(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """The query, if it is one statement that only reads; else StoreError saying why."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as e:
        raise StoreError(f"not valid SQL: {str(e).splitlines()[0]}") from e
    if len(statements) != 1:
        raise StoreError(f"one statement at a time, please (got {len(statements)})")
    kind = statements[0].type
    if kind not in _READ_TYPES:
        raise StoreError(
            f"hub sql only reads: {kind.name} is refused (SELECT, WITH, SHOW, DESCRIBE, "
            "SUMMARIZE and EXPLAIN are allowed; `hub export` writes files)"
        )
    return query


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class ExportMixin(BaseStore):
    def read_query(
        self, query: str, *, max_rows: int | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """(column names, rows) of a read-only query; at most max_rows rows when given."""
        cur = self.execute(check_read_only(self.con, query))
        columns = [d[0] for d in cur.description or []]
        try:
            rows = cur.fetchall() if max_rows is None else cur.fetchmany(max_rows)
        except duckdb.Error as e:
            raise StoreError(f"{self.path}: {str(e).splitlines()[0]}") from e
        return columns, rows

    def table_names(self) -> list[str]:
        """The store's tables (main schema), sorted; hub's own bookkeeping tables included."""
        rows = self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        )
        return [r[0] for r in rows]

    def export_table(self, table: str, fmt: str, out: Path) -> int:
        """COPY one table to out (parquet, csv with a header, or JSON lines); rows written."""
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
        names = self.table_names()
        if table not in names:
            raise StoreError(f"no table {table!r} (one of: {', '.join(names)})")
        out.parent.mkdir(parents=True, exist_ok=True)
        row = self.execute(
            f"COPY (SELECT * FROM {_quote_ident(table)}) TO {_quote_literal(str(out))} "
            f"({EXPORT_FORMATS[fmt]})"
        ).fetchone()
        return int(row[0]) if row else 0
