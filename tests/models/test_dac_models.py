"""One class per DAC type (ctdsm.models.dac): the registry and the interface each serves to
the three tiers (sampled-data, circuit, netlist)."""

from __future__ import annotations

import numpy as np
import pytest

from ctdsm.models.dac import (
    DAC_MODELS,
    DAC_TYPES,
    SINGLE_BIT_DACS,
    TYPE_CODE,
    DacModel,
    NetlistSwitches,
    dac_model,
    dac_physics,
    draw_mismatch,
)


def test_registry_is_the_spec_choice_and_the_kernel_codes() -> None:
    from typing import get_args

    from ctdsm.design.spec import DacSpec

    spec_types = get_args(DacSpec.model_fields["type"].annotation)
    assert tuple(spec_types) == DAC_TYPES == tuple(DAC_MODELS)
    assert sorted(TYPE_CODE.values()) == [1, 2, 3, 4]  # 0 is the kernel's generic DAC
    assert SINGLE_BIT_DACS == ("dual_rto", "zapped_dual_rto")
    for name, model in DAC_MODELS.items():
        assert isinstance(model, DacModel) and model.name == name and dac_model(name) is model
    with pytest.raises(ValueError, match="unknown DAC type 'x_dac'"):
        dac_model("x_dac")


def test_probe_choice_is_the_engines_rule() -> None:
    # The virtual ground half a period in: never for r_dac; for vgs_r only when the pulse
    # starts there; for the RTO types when it starts at 0 or half a period in.
    want = {
        "r_dac": (False, False, False),
        "vgs_r": (False, True, False),
        "dual_rto": (True, True, False),
        "zapped_dual_rto": (True, True, False),
    }
    for name, row in want.items():
        assert tuple(dac_model(name).needs_probe(m) for m in (0, 1, 2)) == row


@pytest.mark.parametrize("name", DAC_TYPES)
def test_mismatch_draws_come_from_the_type(name: str) -> None:
    phys = dac_physics(name, 1e3, 1.0)
    mm = draw_mismatch(phys, 3, 32e6, np.random.default_rng(1))
    assert mm["delay_rise"].shape == (3, 2) and mm["c_float"].shape == (2,)
    if dac_model(name).return_to_open:
        assert not np.any(mm["delay_rise"]) and not np.any(mm["delay_fall"])  # clock edges
    else:
        assert np.all(mm["delay_rise"] != 0)


class _Writer:
    """A netlist context stand-in that records what each element asks for."""

    def __init__(self) -> None:
        self.devices: list[str] = []

    def nmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        self.devices.append("n")
        return f"mn{n} {d} {g} {s}"

    def pmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        self.devices.append("p")
        return f"mp{n} {d} {g} {s}"

    def resistor(self, name: str, a: str, b: str, r_ohm: float) -> list[str]:
        self.devices.append("r")
        return [f"r{name} {a} {b} {r_ohm}"]

    def capacitor(self, name: str, a: str, b: str, c_f: float) -> str:
        self.devices.append("c")
        return f"c{name} {a} {b} {c_f}"


@pytest.mark.parametrize(
    ("name", "nmos", "pmos", "res", "caps"),
    [
        ("r_dac", 2, 2, 2, 2),  # two inverters, two resistors, two output nodes
        ("vgs_r", 4, 0, 2, 2),  # four steering switches
        ("dual_rto", 2 * 6, 2 * 1, 2 * 2, 2 * 2),  # per sub-DAC: TG + NMOS, steering
        ("zapped_dual_rto", 2 * 8, 2 * 1, 2 * 2, 2 * 2),  # plus two zap switches each
    ],
)
def test_each_type_writes_its_netlist_element(name, nmos, pmos, res, caps) -> None:
    phys = dac_physics(name, 1e3, 1.0)
    sw = NetlistSwitches(1e-6, 2.5e-6, 0.2e-6, 0.18e-6, 20.0, 20.0, 40.0, 15.0, "vgp1", "vgn1")
    phases = {"pha": "pa", "phab": "pab", "phb": "pb", "phbb": "pbb", "zapa": "za", "zapb": "zb"}
    out = _Writer()
    lines = dac_model(name).netlist_element(out, sw, phys, "u0", "g", "gb", 1e3, phases)
    counts = {k: out.devices.count(k) for k in "nprc"}
    assert counts == {"n": nmos, "p": pmos, "r": res, "c": caps}
    assert len(lines) == len(out.devices)
    # The resistors are trimmed by their switches so that each half's path is R_u.
    r_values = [float(line.split()[-1]) for line in lines if line.startswith("r")]
    assert all(r < 1e3 for r in r_values)
