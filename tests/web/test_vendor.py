"""The committed front-end files are the pinned versions (make vendor refreshes them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "misper" / "web" / "static" / "vendor" / "govuk-frontend"


def _pinned() -> dict[str, str]:
    return json.loads((ROOT / "package.json").read_text())["devDependencies"]


def test_vendored_govuk_frontend_matches_the_pinned_version():
    assert (VENDOR / "VERSION").read_text().strip() == _pinned()["govuk-frontend"]
    css = (VENDOR / "govuk-frontend.min.css").read_text(encoding="utf-8-sig")
    version = re.search(r'--govuk-frontend-version:\s*"([^"]+)"', css)
    assert version is not None and version.group(1) == _pinned()["govuk-frontend"]
    assert "url(/assets/" not in css, "asset links must be relative (scripts/govuk-frontend.scss)"
    assert re.search(r'url\("?assets/images/govuk-crest\.svg"?\)', css)
    assert (VENDOR / "assets" / "images" / "govuk-crest.svg").is_file()


def test_vendored_govuk_frontend_uses_arial_not_gds_transport():
    """Misper is not on GOV.UK: GDS Transport is neither named, loaded nor shipped."""
    css = (VENDOR / "govuk-frontend.min.css").read_text(encoding="utf-8-sig")
    assert "gds transport" not in css.lower()
    assert "@font-face" not in css
    assert not re.search(r"\.woff2?\b", css)
    body = re.search(r"\.govuk-body,\.govuk-body-m\{([^}]*)\}", css)
    assert body is not None and "font-family:arial,sans-serif" in body.group(1)
    families = set(re.findall(r"font-family:([^;}]*)", css))
    assert families == {"arial,sans-serif", "sans-serif"}, families  # screen, print
    assert not (VENDOR / "assets" / "fonts").exists()


def test_vendored_axe_matches_the_pinned_version():
    pinned = _pinned()
    axe = ROOT / "tests" / "browser" / "vendor" / "axe-core"
    assert (axe / "VERSION").read_text().strip() == pinned["axe-core"]
    assert f"axe v{pinned['axe-core']}" in (axe / "axe.min.js").read_text()[:300]
