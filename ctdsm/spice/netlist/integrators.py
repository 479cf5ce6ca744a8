"""The integrators of a netlist: opamp macromodels, integrating capacitors and resistors.

One opamp per state (:mod:`ctdsm.spice.macromodels`: the engine's DC gain, GBW, the first
opamp's non-dominant pole, output clamp, input-referred noise and offset), capacitors
``C_i`` and resistors from ``design.sizing``; a coefficient's sign is a straight or a
crossed connection.
"""

from __future__ import annotations

import numpy as np

from ctdsm.sim.plant import FIRST_OPAMP_POLE2_RATIO
from ctdsm.spice.macromodels import OpampParams, fmt, opamp_subckt
from ctdsm.spice.netlist.context import NetlistContext, sign_nodes

__all__ = ["CHOP_SWITCH_W_M", "opamps", "integrators"]

#: Width of the chopper switches, m (length: the PDK minimum).
CHOP_SWITCH_W_M = 4e-6


def _first_opamp_offset_v(ctx: NetlistContext) -> float:
    """The first opamp's input offset, V: the engine's first draw from the seed, so the
    same value as in the behavioral run."""
    sigma = ctx.imp.opamp_offset_v
    if not sigma:
        return 0.0
    return float(np.random.default_rng(int(ctx.rng_seed)).normal(0.0, sigma))


def _opamp_params(ctx: NetlistContext, i: int, chopped: bool, offset_v: float) -> OpampParams:
    """Macromodel parameters of opamp ``i`` (0-based) from the impairments and sizing."""
    d, imp = ctx.design, ctx.imp
    sz = d.sizing
    # The engine treats "off" (None) as ideal; the netlist needs some opamp: 120 dB, 100 fs.
    a0 = 10 ** ((imp.opamp_dc_gain_db if imp.opamp_dc_gain_db is not None else 120.0) / 20)
    gbw = (imp.opamp_gbw_ratio if imp.opamp_gbw_ratio is not None else 100.0) * d.fs_hz
    xlim = d.spec.architecture.xlim
    lim = None if imp.saturation_ratio is None else imp.saturation_ratio * xlim * sz.k_x_v[i]
    first = i == 0
    return OpampParams(
        name=f"opamp{i + 1}",
        dc_gain=a0,
        gbw_hz=gbw,
        pole2_hz=FIRST_OPAMP_POLE2_RATIO * gbw if first else None,
        out_limit_v=None if lim is None else float(lim),
        en_v_rthz=float(sz.opamp_en_v_rthz[i]) if ctx.noise else 0.0,
        flicker_corner_hz=imp.flicker_corner_hz if first else None,
        offset_v=offset_v if first else 0.0,
        chopped=chopped and first,
        noise_dt_s=ctx.noise_dt_s,
        noise_pins=ctx.noise_table,
        switch=(ctx.nmos_template(), CHOP_SWITCH_W_M, ctx.dev.l_min_m) if first else None,
    )


def opamps(ctx: NetlistContext, chopped: bool) -> tuple[list[str], list[str]]:
    """Opamp subcircuits and their instances.

    Parameters
    ----------
    ctx : NetlistContext
    chopped : bool
        Wrap the first opamp's input stage in chopper switches.

    Returns
    -------
    subckts : list of str
        One subcircuit per opamp.
    instances : list of str
        Their ``X`` lines; with the noise table, each noisy opamp's noise pins become a
        column of it.
    """
    offset = _first_opamp_offset_v(ctx)
    subckts: list[str] = []
    inst: list[str] = []
    for i in range(ctx.design.order):
        p = _opamp_params(ctx, i, chopped, offset)
        subckts += opamp_subckt(p)
        pins = f"vgp{i + 1} vgn{i + 1} xp{i + 1} xn{i + 1} cm"
        if p.en_v_rthz > 0 and p.noise_pins:
            pins += f" nzop{i + 1}a nzop{i + 1}b"
            ctx.noise_source(f"nzop{i + 1}a", f"nzop{i + 1}b", p.en_v_rthz**2, p.flicker_corner_hz)
        if p.chopped:
            pins += " chi chib cho chob"
        inst.append(f"xop{i + 1} {pins} opamp{i + 1}")
    return subckts, inst


def integrators(ctx: NetlistContext) -> list[str]:
    """Integrating capacitors and the resistors between states and from the input."""
    d = ctx.design
    sz = d.sizing
    lines: list[str] = []
    for i in range(d.order):
        c = float(sz.c_f[i])
        lines += [
            f"cf{i + 1}p vgp{i + 1} xn{i + 1} {fmt(c)}",
            f"cf{i + 1}n vgn{i + 1} xp{i + 1} {fmt(c)}",
        ]
    for r in sz.resistors:
        if r.stage < 1 or r.source.startswith("dac"):
            continue
        if r.source == "u":
            sp, sn = "inp", "inn"
        else:
            j = int(r.source[1:])
            sp, sn = f"xp{j}", f"xn{j}"
        a, b = sign_nodes(r.coefficient, sp, sn)
        tag = r.name.lower()
        lines += ctx.resistor(f"{tag}p", a, f"vgp{r.stage}", r.r_ohm)
        lines += ctx.resistor(f"{tag}n", b, f"vgn{r.stage}", r.r_ohm)
    return lines
