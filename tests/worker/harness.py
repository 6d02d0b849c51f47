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


def start_worker(url: str, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed by the OS
    return subprocess.Popen(
        [MISPER, "worker", *args],
        cwd=ROOT,
        env=worker_env(url),
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
