"""Old import paths keep working for one release, with a DeprecationWarning each."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

#: old module -> (a name it re-exports, the module that now defines it)
OLD_PATHS = {
    "ctdsm.spec": ("load_spec", "ctdsm.design.spec"),
    "ctdsm.ntf": ("design_ntf", "ctdsm.design.ntf_choice"),
    "ctdsm.realize": ("realize_loop_filter", "ctdsm.design.loop_filter"),
    "ctdsm.sizing": ("Sizing", "ctdsm.design.sizing"),
    "ctdsm.impairments": ("resolve_impairments", "ctdsm.models.impairments"),
    "ctdsm.noise": ("flicker_noise", "ctdsm.models.noise"),
    "ctdsm.dac": ("dac_physics", "ctdsm.models.dac"),
    "ctdsm.chopper": ("chopping_sweep", "ctdsm.flow.chopping"),
}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_path_warns_and_reexports(old: str) -> None:
    name, new = OLD_PATHS[old]
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.")):
        mod = importlib.import_module(old)
    assert getattr(mod, name) is getattr(importlib.import_module(new), name)


def test_old_spec_section_names_are_the_new_classes() -> None:
    sys.modules.pop("ctdsm.spec", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module("ctdsm.spec")
    from ctdsm.design import spec

    assert old.Dac is spec.DacSpec and old.Impairments is spec.ImpairmentsSpec


def test_old_synthesize_path_warns() -> None:
    import ctdsm.design

    with pytest.warns(DeprecationWarning, match="ctdsm.synthesize"):
        old = ctdsm.design.synthesize
    assert old is ctdsm.synthesize


def test_package_does_not_import_old_paths() -> None:
    # Every current module, imported in a fresh interpreter where a DeprecationWarning is an
    # error: none of them reaches an old path.
    from tests.test_architecture import DEPRECATED, _modules

    mods = [m for m in _modules() if m not in DEPRECATED and m != "ctdsm.__main__"]
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in mods)
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
