"""The README shows every screenshot kept in docs/screenshots, each with alt text saying what it
shows (a screenshot taken but never shown is one a reader cannot find)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_screenshot_is_in_the_readme_with_alt_text():
    shown = dict(
        (path, alt)
        for alt, path in re.findall(r"!\[([^\]]*)\]\((docs/screenshots/[^)]+)\)", (ROOT / "README.md").read_text())
    )
    kept = sorted(f"docs/screenshots/{png.name}" for png in (ROOT / "docs" / "screenshots").glob("*.png"))
    assert kept and [path for path in kept if path not in shown] == []
    assert [path for path in kept if len(shown[path]) < 20] == []
