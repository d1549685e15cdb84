"""The email newsletter: multipart (text + inline-CSS HTML) over SMTP, idempotent.

The subject is the top headline (+ "and N more"), brand last, at most 80 characters.
Unsubscribing is a mailto: to the maintainer (List-Unsubscribe), who removes the address
with `hub subscribers remove`: no List-Unsubscribe-Post, as no endpoint handles it.
A `deliveries` row per subscriber per week is written as `sending` before the SMTP
call and `sent` after it, so a re-run or a retry after a crash never sends twice
(a `sending` row left by a crash is reported, not re-sent); `failed` rows are
retried on the next run. Header injection is impossible: every header value is
collapsed to one line and addresses are parsed strictly.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.config import Config
from hub.digest.html import digest_text, email_html, subject
from hub.exceptions import NotFoundError, PublishError
from hub.files import safe_filename, write_all
from hub.safetext import one_line, redact
from hub.types import Digest
from hub.weeks import canonical_week

if TYPE_CHECKING:
    from hub.store import Store


# What a new subscription may be (RFC 5321 4.5.3.1); stored addresses are still sent to.
MAX_LOCAL, MAX_ADDRESS = 64, 254


def parse_address(raw: str) -> str:
    """A syntactically valid single address (no display name, no line breaks) or PublishError."""
    value = raw.strip()
    if not value or any(c in value for c in '\r\n\t ,;<>"') or value.count("@") != 1:
        raise PublishError(f"not a valid email address: {raw!r}")
    local, _, domain = value.partition("@")
    if not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        raise PublishError(f"not a valid email address: {raw!r}")
    try:
        return str(Address(addr_spec=value)).lower()
    except (ValueError, IndexError) as e:
        raise PublishError(f"not a valid email address: {raw!r}") from e


def unsubscribe_url(config: Config, token: str) -> str:
    """A mailto: that asks the maintainer to remove the address (there is no web endpoint,
    so no One-Click header promises one)."""
    return f"mailto:{parse_address(config.email.from_addr)}?subject=unsubscribe%20{token}"


def brand(title: str) -> str:
    """The site's short name for a subject line: the title before its tagline, if any."""
    for sep in (" — ", " – ", " | ", ": "):
        if sep in title:
            return title.split(sep, 1)[0].strip() or title
    return title


def page_url(config: Config, d: Digest) -> str:
    """The digest's page on the published site, or "" when site.url is not set."""
    return f"{config.site.url}digests/{d.week}.html" if config.site.url else ""


def build_message(d: Digest, to: str, token: str, config: Config) -> EmailMessage:
    site_title = config.site.title
    unsub, page = unsubscribe_url(config, token), page_url(config, d)
    msg = EmailMessage()
    msg["Subject"] = one_line(subject(d, brand(site_title)), 80)
    msg["From"] = parse_address(config.email.from_addr)
    msg["To"] = parse_address(to)
    msg["Date"] = format_datetime(_now())
    msg["Message-ID"] = make_msgid(domain=config.email.from_addr.partition("@")[2] or "hub.local")
    msg["List-Unsubscribe"] = f"<{unsub}>"
    msg["List-Id"] = f"<weekly.{config.email.from_addr.partition('@')[2] or 'hub.local'}>"
    msg.set_content(digest_text(d, site_title=site_title, page_url=page, unsubscribe_url=unsub))
    msg.add_alternative(
        email_html(d, site_title=site_title, page_url=page, unsubscribe_url=unsub), subtype="html"
    )
    return msg


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


@dataclass
class SendReport:
    week: str
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent
    uncertain: list[str] = field(default_factory=list)  # a crash left them `sending`
    failed: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # --dry-run .eml files


def _connect(config: Config) -> smtplib.SMTP:
    e = config.email
    try:
        if e.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                e.smtp_host, e.smtp_port, timeout=30, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(e.smtp_host, e.smtp_port, timeout=30)
            if e.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        user, password = os.environ.get(e.username_env), os.environ.get(e.password_env)
        if user and password:
            smtp.login(user, password)
    except (OSError, smtplib.SMTPException) as err:
        raise PublishError(
            f"cannot reach SMTP server {e.smtp_host}:{e.smtp_port}: {_smtp_error(err, config)}"
        ) from None
    return smtp


def _smtp_error(err: Exception, config: Config) -> str:
    """The server's answer as one line, without a configured secret (a server may echo it)."""
    return one_line(redact(f"{type(err).__name__}: {err}", config.secrets()), 300)


def outbox_name(week: str, address: str) -> str:
    """The .eml file name of one subscriber's message: safe, bounded and unique whatever the
    address holds (`/`, `..`, 300 characters, non-ASCII letters)."""
    return safe_filename(f"{week}-{address.replace('@', '_at_')}", ".eml")


def write_outbox(
    d: Digest, subscribers: Sequence[dict[str, Any]], config: Config, out_dir: Path
) -> SendReport:
    """A dry run: each subscriber's message as an .eml file in `out_dir`; nothing is sent.
    All or nothing: a failed write (disk full) removes the files this run added."""
    report = SendReport(d.week)
    messages = (
        (
            out_dir / outbox_name(d.week, sub["email"]),
            bytes(build_message(d, sub["email"], sub["token"], config)),
        )
        for sub in subscribers
    )
    report.written = [str(p) for p in write_all(messages)]
    return report


def subscribe(store: Store, addresses: Sequence[str]) -> list[tuple[str, bool]]:
    """Each address, normalized, and whether it is new (a second subscribe changes nothing).
    All or none: every address is checked before any is stored, in one transaction."""
    emails = [_subscribable(a) for a in addresses]
    with store.transaction():
        return [(email, store.add_subscriber(email)) for email in emails]


def _subscribable(address: str) -> str:
    email = parse_address(address)
    local = email.partition("@")[0]
    if len(local.encode()) > MAX_LOCAL or len(email.encode()) > MAX_ADDRESS:  # RFC 5321 4.5.3.1
        shown = f"{address[:60]!r}{'…' if len(address) > 60 else ''}"
        limits = f"at most {MAX_LOCAL} bytes before the @, {MAX_ADDRESS} in all"
        raise PublishError(f"not a valid email address: {shown} ({limits})")
    return email


def unsubscribe(store: Store, address: str) -> str:
    email = parse_address(address)
    if not store.remove_subscriber(email):
        raise NotFoundError(f"{email} is not subscribed")
    return email


def send_stored(
    store: Store,
    config: Config,
    week: str | None = None,
    *,
    dry_run: bool = False,
    out_dir: Path | None = None,
) -> SendReport:
    """The stored digest of `week` (else the newest) to every subscriber who has not received it;
    with `dry_run`, written to `out_dir` (default: the workspace's outbox) instead."""
    weeks = store.digest_weeks()
    week = canonical_week(week) if week else (weeks[0] if weeks else None)
    digest = store.digest(week) if week else None
    if digest is None:
        raise NotFoundError(f"no digest for {week or 'any week'} yet (run `hub digest` first)")
    subs = store.subscribers()
    if dry_run:
        return write_outbox(digest, subs, config, out_dir or config.workspace / "outbox")
    return send(digest, subs, config, store.delivery_status(digest.week), store.mark_delivery)


def send(
    d: Digest,
    subscribers: Sequence[dict[str, Any]],
    config: Config,
    status: dict[str, str],
    mark: Callable[..., None],
) -> SendReport:
    """Send to everyone without a `sent`/`sending` row for this week; record each outcome."""
    report = SendReport(d.week)
    todo = []
    for sub in subscribers:
        state = status.get(sub["email"])
        if state == "sent":
            report.skipped.append(sub["email"])
        elif state == "sending":
            report.uncertain.append(sub["email"])
        else:
            todo.append(sub)
    if not todo:
        return report
    smtp = _connect(config)
    try:
        for sub in todo:
            _send_one(smtp, d, sub, config, mark, report)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return report


def _send_one(
    smtp: smtplib.SMTP,
    d: Digest,
    sub: dict[str, Any],
    config: Config,
    mark: Callable[..., None],
    report: SendReport,
) -> None:
    msg = build_message(d, sub["email"], sub["token"], config)
    mark(d.week, sub["email"], "sending")
    try:
        smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as err:
        reason = _smtp_error(err, config)
        mark(d.week, sub["email"], "failed", error=reason[:300])
        report.failed[sub["email"]] = reason
        return
    mark(d.week, sub["email"], "sent", message_id=str(msg["Message-ID"]))
    report.sent.append(sub["email"])
