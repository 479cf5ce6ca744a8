"""ctdsm.reporting imports its ctdsm modules at the top, and nothing in ctdsm uses the
deprecated ctdsm.report and ctdsm.plots."""

from __future__ import annotations

from pathlib import Path

import pytest

import ctdsm
import ctdsm.reporting
from tests.imports import ctdsm_imports

PACKAGE = Path(ctdsm.reporting.__file__).parent
SOURCES = Path(ctdsm.__file__).parent
ALIASES = {SOURCES / "report.py", SOURCES / "plots.py"}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_reporting_imports_at_module_level(path):
    for module, top_level in ctdsm_imports(path):
        assert top_level, f"{path.name} imports {module} inside a function"


def test_nothing_in_ctdsm_imports_the_deprecated_modules():
    users = [
        f"{path.relative_to(SOURCES)}: {module}"
        for path in sorted(SOURCES.rglob("*.py"))
        if path not in ALIASES
        for module, _ in ctdsm_imports(path)
        if module in ("ctdsm.report", "ctdsm.plots")
    ]
    assert not users
