"""Subscribers and deliveries: one row per digest per subscriber, so a retry never double-sends."""

from __future__ import annotations

import secrets
from typing import Any

from hub.store.base import BaseStore, from_db, to_db, utcnow


class DeliveryMixin(BaseStore):
    def add_subscriber(self, email: str) -> bool:
        """True when new (or re-activated); the address must already be validated."""
        row = self.execute("SELECT active FROM subscribers WHERE email = ?", [email]).fetchone()
        if row is not None:
            self.execute("UPDATE subscribers SET active = true WHERE email = ?", [email])
            return not row[0]
        self.execute(
            "INSERT INTO subscribers VALUES (?, ?, ?, true)",
            [email, secrets.token_urlsafe(16), to_db(utcnow())],
        )
        return True

    def remove_subscriber(self, email: str) -> bool:
        row = self.execute("SELECT active FROM subscribers WHERE email = ?", [email]).fetchone()
        if row is None or not row[0]:
            return False
        self.execute("UPDATE subscribers SET active = false WHERE email = ?", [email])
        return True

    def subscribers(self, *, active_only: bool = True) -> list[dict[str, Any]]:
        where = " WHERE active" if active_only else ""
        rows = self.fetchall(f"SELECT email, token, added_at, active FROM subscribers{where} ORDER BY email")
        return [{"email": r[0], "token": r[1], "added_at": from_db(r[2]), "active": bool(r[3])} for r in rows]

    def delivery_status(self, week: str) -> dict[str, str]:
        rows = self.fetchall("SELECT email, status FROM deliveries WHERE week = ?", [week])
        return {r[0]: r[1] for r in rows}

    def mark_delivery(
        self, week: str, email: str, status: str, *, error: str | None = None, message_id: str | None = None
    ) -> None:
        """status: sending (before SMTP), sent, failed. Committed immediately."""
        self.execute(
            "INSERT INTO deliveries AS d VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (week, email) DO UPDATE "
            "SET status = excluded.status, error = excluded.error, updated_at = excluded.updated_at, "
            "message_id = coalesce(excluded.message_id, d.message_id), "
            "attempts = d.attempts + CASE WHEN excluded.status = 'sending' THEN 1 ELSE 0 END",
            [week, email, status, error, message_id, to_db(utcnow())],
        )

    def deliveries(self, week: str) -> list[dict[str, Any]]:
        rows = self.fetchall(
            "SELECT email, status, attempts, error, message_id FROM deliveries WHERE week = ? ORDER BY email",
            [week],
        )
        keys = ("email", "status", "attempts", "error", "message_id")
        return [dict(zip(keys, r, strict=True)) for r in rows]
