"""Settings: one frozen object read from the environment. Secrets never live here; adapters read their own."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_CONTENT = Path(__file__).resolve().parent.parent / "content"


def _default_db() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "clio" / "clio.db"


class SettingsError(ValueError):
    """A setting in the environment that cannot be used."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


def _timezone(name: str) -> str:
    if name == "UTC":  # the default: datetime's own UTC, no zone file to read (`clio ask` never imports zoneinfo)
        return name
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"CLIO_TIMEZONE {name!r} is not an IANA timezone such as Europe/London") from None
    return name


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value < 86400:
        raise SettingsError(f"{name} must be more than 0 and less than a day (seconds)")
    return value


DEFAULT_RATE_LIMIT = "30/minute"


def _rate(rule: str) -> str:
    if rule == DEFAULT_RATE_LIMIT:  # known good: no need to import limits at every start
        return rule
    from limits import parse

    try:
        parse(rule)
    except ValueError:
        raise SettingsError(f"CLIO_RATE_LIMIT {rule!r} is not a rate such as 30/minute or 5/second") from None
    return rule


def mask_url(url: str) -> str:
    """A database URL fit for a log or a message: its password replaced by ***."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rpartition("@")
        user = netloc[0].split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))
    except ValueError:
        return "(a URL that cannot be read)"


def without_password(text: str, url: str) -> str:
    """`text` (an error message about `url`, say) with the URL's password replaced by ***."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return text
    return text.replace(password, "***") if password else text


def _database_url(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        scheme = urlsplit(raw).scheme
    except ValueError:
        scheme = ""
    if scheme not in ("postgresql", "postgres"):
        raise SettingsError(f"CLIO_DATABASE_URL must be a postgresql://user:password@host/database URL "
                            f"(or unset, for SQLite alone), not {mask_url(raw)!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Core settings.

    Environment: CLIO_DB (database file), CLIO_CONTENT (content directory: every pack in it is indexed),
    CLIO_PACK (the pack, or comma-separated packs, a workspace reads until its admins choose with /pack use),
    CLIO_MAX_READINGS and CLIO_MAX_WORKSPACE_MB (what one workspace may ingest from chat),
    CLIO_REMOVAL_GRACE_DAYS (how long a removed workspace's data is kept before it is deleted),
    CLIO_TIMEZONE (the default IANA timezone for "today"), CLIO_RATE_LIMIT (commands a member may send, e.g.
    "30/minute"), CLIO_DATABASE_URL (postgresql://...: what several processes share lives in PostgreSQL; see
    the README's PostgreSQL section; never shown, its password masked in logs). The background lease
    (bot/lease.py): CLIO_LEASE_TTL (seconds a lease lasts unrenewed), CLIO_LEASE_RENEW (seconds between the
    holder's renewals), CLIO_LEASE_POLL (seconds between the others' attempts to take it); CLIO_SCHEDULER_WAKE
    (the longest the daily-post loop sleeps before it looks for new or changed subscriptions).
    """

    db_path: Path
    content_dir: Path = PROJECT_CONTENT
    pack: str = "russian-revolution"
    max_workspace_readings: int = 50
    max_workspace_mb: int = 200
    removal_grace_days: int = 30
    timezone: str = "UTC"
    rate_limit: str = DEFAULT_RATE_LIMIT
    database_url: str | None = field(default=None, repr=False)  # holds a password: not in repr
    lease_ttl: float = 45.0
    lease_renew: float = 20.0
    lease_poll: float = 10.0
    scheduler_wake: float | None = None  # None: the scheduler's own default (60 s)

    def __post_init__(self) -> None:
        if self.lease_renew >= self.lease_ttl:
            raise SettingsError(f"CLIO_LEASE_RENEW ({self.lease_renew:g} s) must be shorter than CLIO_LEASE_TTL "
                                f"({self.lease_ttl:g} s), or the lease runs out between renewals")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            db_path=Path(env.get("CLIO_DB") or _default_db()),
            content_dir=Path(env.get("CLIO_CONTENT") or PROJECT_CONTENT),
            pack=env.get("CLIO_PACK") or "russian-revolution",
            max_workspace_readings=_int(env, "CLIO_MAX_READINGS", 50),
            max_workspace_mb=_int(env, "CLIO_MAX_WORKSPACE_MB", 200),
            removal_grace_days=_int(env, "CLIO_REMOVAL_GRACE_DAYS", 30),
            timezone=_timezone(env.get("CLIO_TIMEZONE") or "UTC"),
            rate_limit=_rate(env.get("CLIO_RATE_LIMIT") or DEFAULT_RATE_LIMIT),
            database_url=_database_url(env.get("CLIO_DATABASE_URL")),
            lease_ttl=_seconds(env, "CLIO_LEASE_TTL", 45.0),
            lease_renew=_seconds(env, "CLIO_LEASE_RENEW", 20.0),
            lease_poll=_seconds(env, "CLIO_LEASE_POLL", 10.0),
            scheduler_wake=_seconds(env, "CLIO_SCHEDULER_WAKE", 0.0) or None,
        )

    @property
    def pack_dir(self) -> Path:
        return self.content_dir / self.default_packs[0]

    @property
    def default_packs(self) -> tuple[str, ...]:
        """The packs a new workspace reads: CLIO_PACK, one id or several separated by commas."""
        return tuple(dict.fromkeys(p.strip() for p in self.pack.split(",") if p.strip())) or ("russian-revolution",)

    def pack_dirs(self) -> dict[str, Path]:
        """Every pack under the content directory (a folder with a pack.yaml), the default ones first; a
        default pack is listed even when its folder is missing, so loading it reports the problem."""
        found = {d.name: d for d in sorted(self.content_dir.iterdir()) if (d / "pack.yaml").is_file()} \
            if self.content_dir.is_dir() else {}
        return {**{p: self.content_dir / p for p in self.default_packs}, **found}
