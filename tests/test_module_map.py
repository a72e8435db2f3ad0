"""The README's module map ("How it works") names every module, so a newcomer finds each
file from it: a new module without a line there fails here."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["actions", "actions/outcome", "handoff", "handoff/routes", "zelfscan_runtime", "zelfscan_channels",
            "zelfscan_nlu", "scripts"]
TIERS = ["handoff_service", "zgw", "e2e", "channels", "attack", "browser", "cluster", "conversations"]


def module_map() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## How it works\n\n```\n(.*?)```", readme, re.S)
    assert found, "README.md has no module map under '## How it works'"
    return found.group(1)


def test_every_module_has_a_line_in_the_map():
    text = module_map()
    missing = [f"{package}/{path.name}" for package in PACKAGES for path in sorted((ROOT / package).glob("*.py"))
               if path.name != "__init__.py" and not re.search(rf"(?<![\w/]){re.escape(path.name)}\b", text)
               and f"{package}/{path.name}" not in text]
    assert missing == []


def test_every_test_tier_has_a_line_in_the_map():
    text = module_map()
    assert [tier for tier in TIERS if f"{tier}/" not in text] == []
    assert {d.name for d in (ROOT / "tests").iterdir() if d.is_dir() and (d / "__init__.py").exists()} <= set(TIERS)
