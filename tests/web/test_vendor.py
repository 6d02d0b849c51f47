"""The committed front-end files are the pinned versions (make vendor refreshes them)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_govuk_frontend_matches_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    vendor = ROOT / "src" / "misper" / "web" / "static" / "vendor" / "govuk-frontend"
    assert (vendor / "VERSION").read_text().strip() == pinned["govuk-frontend"]
    css = (vendor / "govuk-frontend.min.css").read_text()
    assert "url(/assets/" not in css, "asset links must be relative (scripts/vendor.sh)"
    for font in (vendor / "assets" / "fonts").iterdir():
        assert font.stat().st_size > 1000


def test_vendored_axe_matches_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    axe = ROOT / "tests" / "browser" / "vendor" / "axe-core"
    assert (axe / "VERSION").read_text().strip() == pinned["axe-core"]
    assert f"axe v{pinned['axe-core']}" in (axe / "axe.min.js").read_text()[:300]
