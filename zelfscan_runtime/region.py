"""Which gemeenten one deployment serves (a regional service) and how a conversation's
gemeente is known.

``GEMEENTE_CONFIG`` names either one gemeente's configuration (the default,
``gemeente/config.yml``) or a region file that lists several::

    name: Ondernemersloket Regio Voorbeeld      # shown before the gemeente is known
    gemeenten:                                  # id: configuration file (relative to this file)
      voorbeeldstad: config.yml
      buurdorp: buurdorp.yml
    routes:                                     # a channel's number or bot -> gemeente id
      telegram: {voorbeeldstad_zelfscan_bot: voorbeeldstad}
      twilio: {"whatsapp:+3197010000002": buurdorp}

The widget says its gemeente with ``data-gemeente="buurdorp"``; a channel's number or bot
is looked up in ``routes``; otherwise, in a region, the assistant asks. Only YAML and file
names here (no Rasa), so the action server and the handoff service both read it.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "gemeente" / "config.yml"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class RegionError(ValueError):
    """The region file is wrong; the message names the place."""


def slug(name: str) -> str:
    """'Súdwest-Fryslân' -> 'sudwest-fryslan': a gemeente id from its name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40] or "gemeente"


@dataclass(frozen=True)
class Region:
    files: Mapping[str, Path]  # gemeente id -> configuration file, in the listed order
    names: Mapping[str, str]  # gemeente id -> name ("Voorbeeldstad")
    name: str = ""  # the region's own name, used before the gemeente is known
    routes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # channel -> {address: id}

    @property
    def regional(self) -> bool:
        return len(self.files) > 1

    @property
    def default(self) -> str:
        """The gemeente of a one-gemeente deployment (the first listed in a region)."""
        return next(iter(self.files))

    def known(self, gemeente_id: Any) -> Optional[str]:
        """The id when this deployment serves it, else None (also for anything not a string)."""
        return gemeente_id if isinstance(gemeente_id, str) and gemeente_id in self.files else None

    def for_channel(self, channel: Optional[str], address: Optional[str]) -> Optional[str]:
        """The gemeente of a channel's number or bot; the only one outside a region."""
        if not self.regional:
            return self.default
        if channel and address:
            return self.known(self.routes.get(channel, {}).get(address))
        return None

    def data(self, gemeente_id: Optional[str] = None) -> Dict[str, Any]:
        """The parsed YAML of one gemeente's configuration (default: the first)."""
        return read_config(self.files[gemeente_id or self.default])


def read_config(path: Path) -> Dict[str, Any]:
    """One gemeente's configuration. ``extends: other.yml`` (relative to this file) takes
    every top-level key of that file that this one does not set, so gemeenten in a
    region write only what differs (name, contact, partners, teams...)."""
    return _read_extending(Path(path), ())


def _read_extending(path: Path, seen: tuple) -> Dict[str, Any]:
    data = _read(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    base_path = (path.parent / str(base_name)).resolve()
    if base_path in seen or base_path == path.resolve():
        raise RegionError(f"{path}: 'extends' goes round in a circle")
    base = _read_extending(base_path, (*seen, path.resolve()))
    base.pop("id", None)  # an id belongs to its own file
    return {**base, **data}


def _read(path: Path) -> Dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise RegionError(f"Gemeente configuration not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise RegionError(f"Gemeente configuration {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RegionError(f"Gemeente configuration {path} must be a mapping")
    return data


def parse(path: Path) -> Region:
    path = Path(path)
    data = _read(path)
    if "gemeenten" not in data:  # one gemeente's configuration
        data = read_config(path)
        name = str(data.get("name") or "gemeente")
        gemeente_id = str(data.get("id") or slug(name))
        if not ID_RE.match(gemeente_id):
            raise RegionError(f"{path}: id '{gemeente_id}' may only hold a-z, 0-9, - and _")
        return Region(files={gemeente_id: path}, names={gemeente_id: name}, name=name)
    listed = data["gemeenten"]
    if not isinstance(listed, dict) or not listed:
        raise RegionError(f"{path}: 'gemeenten' must list at least one gemeente as id: file")
    files: Dict[str, Path] = {}
    names: Dict[str, str] = {}
    for gemeente_id, file_name in listed.items():
        if not isinstance(gemeente_id, str) or not ID_RE.match(gemeente_id):
            raise RegionError(f"{path}: gemeenten: id '{gemeente_id}' may only hold a-z, 0-9, - and _")
        files[gemeente_id] = (path.parent / str(file_name)).resolve()
        names[gemeente_id] = str(read_config(files[gemeente_id]).get("name") or gemeente_id)
    routes: Dict[str, Dict[str, str]] = {}
    raw_routes = data.get("routes") or {}
    if not isinstance(raw_routes, dict):
        raise RegionError(f"{path}: 'routes' must map a channel to {{number or bot: gemeente id}}")
    for channel, table in raw_routes.items():
        if not isinstance(table, dict):
            raise RegionError(f"{path}: routes.{channel} must map a number or bot to a gemeente id")
        for address, gemeente_id in table.items():
            if gemeente_id not in files:
                raise RegionError(f"{path}: routes.{channel}.{address}: '{gemeente_id}' is not in 'gemeenten'")
        routes[str(channel)] = {str(a): str(g) for a, g in table.items()}
    return Region(files=files, names=names, name=str(data.get("name") or ""), routes=routes)


def config_path() -> Path:
    return Path(os.environ.get("GEMEENTE_CONFIG") or DEFAULT_PATH)


@lru_cache(maxsize=4)
def _cached(path: Path) -> Region:
    return parse(path)


def region(path: Optional[Path] = None) -> Region:
    """The deployment's region, read once per path."""
    return _cached(Path(path) if path else config_path())
