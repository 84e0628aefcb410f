"""Shared fixtures.

Fixture modules live beside this file as ``fixtures_*.py`` (one per fake server or
concern) and are loaded here, so every test can use them without importing.
"""

from __future__ import annotations

import importlib
import pathlib

for _path in sorted(pathlib.Path(__file__).parent.glob("fixtures_*.py")):
    _mod = importlib.import_module(_path.stem)
    globals().update({k: v for k, v in vars(_mod).items() if not k.startswith("_")})
