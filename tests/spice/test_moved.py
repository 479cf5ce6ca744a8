"""The spice tier's old import paths: thin aliases that warn, and the names the netlist
package re-exports from its modules."""

from __future__ import annotations

import importlib
import sys

import pytest

import ctdsm


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ("ctdsm.process", "ctdsm.spice.process", ["model_lines", "devices", "DeviceSet"]),
        ("ctdsm.spice.run", "ctdsm.spice.closed_loop", ["run_spice", "SpiceResult"]),
        ("ctdsm.spice.run", "ctdsm.spice.parse", ["codes_from_table"]),
    ],
)
def test_old_path_warns_and_reexports(old, new, names, monkeypatch):
    monkeypatch.delitem(sys.modules, old, raising=False)  # import it afresh: it warns once
    with pytest.warns(DeprecationWarning, match=old):
        alias = importlib.import_module(old)
    home = importlib.import_module(new)
    for name in names:
        assert getattr(alias, name) is getattr(home, name)


def test_netlist_package_keeps_its_names():
    from ctdsm import constants, spice
    from ctdsm.spice import closed_loop, netlist
    from ctdsm.spice.netlist import build, context

    assert netlist.K_BOLTZMANN is constants.K_BOLTZMANN
    assert netlist.CHGTOL_C is build.CHGTOL_C and netlist.RETIME_S == context.RETIME_S
    assert spice.build_netlist is netlist.build_netlist is build.build_netlist
    assert ctdsm.run_spice is closed_loop.run_spice
