"""Run real ``misper worker`` processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
MISPER = str(Path(sys.executable).parent / "misper")


def database_url(settings_dict: dict[str, Any]) -> str:
    """The URL of the database a connection is using (the test database when called
    inside a test: pytest-django names it ``test_<name>``)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def worker_env(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "misper.config.test_settings",
            "MISPER_TESTING": "1",
            "DATABASE_URL": url,
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def delivering_env(url: str, *, smtp_port: int, **extra: str) -> dict[str, str]:
    """The environment of a worker that delivers for real: the production settings module
    (the test settings keep mail in memory), SMTP on loopback at ``smtp_port``, and short
    poll interval, backoff and lease so that a fault run fits in a few minutes."""
    return {
        "DJANGO_SETTINGS_MODULE": "misper.config.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "5",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "MISPER_WORKER_INTERVAL": "0.2",
        "MISPER_NOTIFY_BACKOFF_SECONDS": "0.5",
        "MISPER_NOTIFY_LEASE_SECONDS": "10",
        "SITE_URL": "https://misper.example.gov.uk",
        "DATABASE_URL": url,
        **extra,
    }


def start_worker(
    url: str, *args: str, log: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A ``misper worker`` process on the database at ``url``; ``env`` adds to (or
    overrides) ``worker_env``."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed by the OS
    return subprocess.Popen(
        [MISPER, "worker", *args],
        cwd=ROOT,
        env=worker_env(url, **(env or {})),
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def migrate(url: str) -> None:
    subprocess.run(
        [MISPER, "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=worker_env(url),
        check=True,
        timeout=300,
    )
