"""The gemeente configuration: name, contact details and other per-gemeente facts."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Mapping

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "gemeente" / "config.yml"


class GemeenteConfigError(ValueError):
    """The gemeente configuration is wrong; the message names the field."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str
    hours: str
    web: str


@dataclass(frozen=True)
class GemeenteConfig:
    name: str
    address_form: str
    loket: Contact
    privacy_url: str
    crisis_name: str
    crisis_phone: str
    crisis_web: str
    crisis_hours: str


def _require(data: Mapping[str, Any], path: str, problems: List[str]) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node or node[part] in (None, ""):
            problems.append(f"'{path}' is missing")
            return ""
        node = node[part]
    return node


def parse_config(data: Mapping[str, Any]) -> GemeenteConfig:
    problems: List[str] = []
    if not isinstance(data, Mapping):
        raise GemeenteConfigError("the file must contain a mapping of settings")
    req = lambda p: str(_require(data, p, problems))  # noqa: E731
    address_form = data.get("address_form", "u")
    if address_form not in ("u", "je"):
        problems.append(f"'address_form' must be 'u' or 'je', not '{address_form}'")
    config = GemeenteConfig(
        name=req("name"),
        address_form=address_form,
        loket=Contact(
            name=req("ondernemersloket.name"),
            phone=req("ondernemersloket.phone"),
            email=req("ondernemersloket.email"),
            hours=req("ondernemersloket.hours"),
            web=req("ondernemersloket.web"),
        ),
        privacy_url=req("privacy_url"),
        crisis_name=req("crisis_line.name"),
        crisis_phone=req("crisis_line.phone"),
        crisis_web=req("crisis_line.web"),
        crisis_hours=req("crisis_line.hours"),
    )
    email = config.loket.email
    if email and "@" not in email:
        problems.append(f"'ondernemersloket.email' is not an e-mail address: '{email}'")
    if problems:
        raise GemeenteConfigError("Gemeente configuration: " + "; ".join(problems))
    return config


def config_path() -> Path:
    return Path(os.environ.get("GEMEENTE_CONFIG", DEFAULT_PATH))


def load_config(path: Path) -> GemeenteConfig:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GemeenteConfigError(f"Gemeente configuration not found: {path}") from exc
    return parse_config(data)


@lru_cache(maxsize=1)
def gemeente() -> GemeenteConfig:
    return load_config(config_path())
