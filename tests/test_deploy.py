"""The deployment files a group copies (docker-compose.yml, .env.example): what `docker compose --profile postgres
up` would run. `.ci/run` also validates both profiles with `docker compose config -q`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_postgres_runs_only_when_asked_and_keeps_its_data():
    services = compose()["services"]
    pg = services["postgres"]
    assert pg["profiles"] == ["postgres"]  # `docker compose up` alone still runs SQLite only
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])
    named = pg["volumes"][0].split(":")[0]
    assert named in compose()["volumes"]  # a named volume: the data outlives the container
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    for bot in ("discord", "slack"):  # the bots start without it (they retry until it is healthy)
        assert "postgres" not in (services[bot].get("depends_on") or {})


def test_no_password_is_written_in_the_files():
    pg = compose()["services"]["postgres"]
    assert pg["environment"]["POSTGRES_PASSWORD"].startswith("${")  # from .env, never a literal
    env = env_example()
    assert env["POSTGRES_PASSWORD"] == "" and env["CLIO_DATABASE_URL"] == ""


def test_the_documented_url_reaches_the_bundled_server():
    pg = compose()["services"]["postgres"]["environment"]
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    example = next(line.split("CLIO_DATABASE_URL=", 1)[1] for line in text.splitlines()
                   if line.startswith("# e.g. CLIO_DATABASE_URL="))
    settings = Settings.from_env({"CLIO_DATABASE_URL": example})
    url = urlsplit(settings.database_url)
    assert url.hostname == "postgres"  # the compose service's name on the default network
    assert url.username == pg["POSTGRES_USER"] and url.path == "/" + pg["POSTGRES_DB"]
    assert "the-same-password" not in repr(settings)  # the URL holds a password: never in a repr


def test_without_the_setting_nothing_changes():
    assert Settings.from_env({"CLIO_DATABASE_URL": env_example()["CLIO_DATABASE_URL"]}).database_url is None
