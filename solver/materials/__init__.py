"""Material library: one YAML file per host/species pair, every property with its source.

A file holds `name`, `chemistry` (Li|Na), `host`, `description` and `properties`, each
`{value: "50 GPa", source: "...", confidence: V|L|U}` (V verified, L literature, U uncertain).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

_DIR = Path(__file__).parent


@cache
def _library() -> dict[str, dict[str, Any]]:
    entries = {}
    for path in sorted(_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            data = yaml.safe_load(f)
        entries[data["name"]] = data
    return entries


def names() -> list[str]:
    """Names of the library entries, e.g. ['Si-Li', 'Sn-Li', 'Sn-Na']."""
    return sorted(_library())


def entry(name: str) -> dict[str, Any]:
    """The raw library entry (with sources and confidence); KeyError listing names if unknown."""
    try:
        return _library()[name]
    except KeyError:
        known = ", ".join(names())
        raise KeyError(f"unknown material {name!r}; the library has: {known}") from None


def properties(name: str) -> dict[str, Any]:
    """Property name -> value: a string with unit (e.g. {'E': '50 GPa', ...}), or the mapping
    of a structured property (ocv)."""
    return {k: p["value"] if isinstance(p["value"], dict) else str(p["value"])
            for k, p in entry(name)["properties"].items()}
