"""ctdsm.analysis measures any bitstream: it imports nothing from ctdsm but ctdsm.errors and
ctdsm.toolbox, and nothing from ctdsm inside a function."""

from __future__ import annotations

from pathlib import Path

import pytest

import ctdsm.analysis
from tests.imports import ctdsm_imports

PACKAGE = Path(ctdsm.analysis.__file__).parent
ALLOWED = ("ctdsm.errors", "ctdsm.toolbox", "ctdsm.analysis")


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_analysis_imports_only_errors_and_toolbox(path):
    for module, top_level in ctdsm_imports(path):
        assert module.startswith(ALLOWED), f"{path.name} imports {module}"
        assert top_level, f"{path.name} imports {module} inside a function"
