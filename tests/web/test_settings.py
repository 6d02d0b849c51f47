"""Production settings are safe by default; demo mode is explicit. Each case loads the
settings module in a fresh interpreter with a controlled environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = (
    "import json, django; from django.conf import settings; "
    "print(json.dumps({k: getattr(settings, k) for k in "
    "['DEBUG', 'DEMO', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
    "'SECURE_SSL_REDIRECT', 'MISPER_REQUIRE_MFA', 'ALLOWED_HOSTS', 'TIME_ZONE', 'USE_TZ']}))"
)


def load(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MISPER_", "DJANGO_"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("DATABASE_URL", None)
    clean.update(
        {"DJANGO_SETTINGS_MODULE": "misper.config.settings", "MISPER_VAR_DIR": str(tmp_path)}
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load({}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_defaults_are_safe(tmp_path):
    result = load({"SECRET_KEY": "x" * 50}, tmp_path)
    assert result.returncode == 0, result.stderr
    cfg = json.loads(result.stdout)
    assert cfg["DEBUG"] is False and cfg["DEMO"] is False
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["CSRF_COOKIE_SECURE"]
    assert cfg["SECURE_HSTS_SECONDS"] >= 31536000 and cfg["SECURE_SSL_REDIRECT"]
    assert cfg["MISPER_REQUIRE_MFA"] is True
    assert cfg["ALLOWED_HOSTS"] == []
    assert cfg["TIME_ZONE"] == "Europe/London" and cfg["USE_TZ"] is True


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("y" * 50)
    result = load({"SECRET_KEY_FILE": str(secret)}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_demo_mode_is_explicit_and_relaxed_for_localhost(tmp_path):
    result = load({"MISPER_DEMO": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    cfg = json.loads(result.stdout)
    assert cfg["DEMO"] is True
    assert cfg["MISPER_REQUIRE_MFA"] is False
    assert cfg["SESSION_COOKIE_SECURE"] is False
    assert "127.0.0.1" in cfg["ALLOWED_HOSTS"]
    assert (tmp_path / "demo-secret-key").exists()
