"""The JSON Schemas afc ships (afc_realtime/schemas), read the way an installed afc has them."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files("afc_realtime").joinpath("schemas", f"{name}.json").read_text())
