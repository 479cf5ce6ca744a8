"""Clocks and digital logic of a netlist: quantizer, latches, element selection, drivers.

Every switch gate of the first DAC is driven by a ``dac_bridge`` whose inputs change in one
event per clock edge: the logic that computes them (DWA, the RTO halves' data) settles on an
early clock and is retimed (or gated) on the late one. That keeps the DAC free of logic
glitches and hazards (which would be data-dependent partial switch pulses) and gives the
simulator one breakpoint per edge instead of one per gate delay. The logic clocks are one
``d_source`` (:func:`ctdsm.spice.digital.clock_source`); the chopper's phases are PULSE
sources.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ctdsm.errors import SpecError
from ctdsm.models.chopper import half_period_cycles
from ctdsm.models.dac import dac_model
from ctdsm.sim.engine import static_errors
from ctdsm.spice import digital
from ctdsm.spice.macromodels import fmt
from ctdsm.spice.netlist.context import EDGE_S, RETIME_S, NetlistContext, chop_frequency_hz

__all__ = [
    "SAMPLE_LATCH_S",
    "Logic",
    "pulse",
    "chopper_clocks",
    "quantizer_input",
    "clocks_and_logic",
]

#: Delay of a sampling clock of its own after the sampling instant, s: the comparator
#: bridges' decisions (one bridge delay after the instant) are then in.
SAMPLE_LATCH_S = 2e-12


class Logic(NamedTuple):
    """The logic section and the nodes the first DAC's switches hang on.

    Attributes
    ----------
    lines : list of str
        Clocks, comparators, latches, element selection and drivers.
    gates, gates_b : list of str
        Analog gate node of each element and of its complement (for the RTO DACs, the
        per-half nodes are these with ``a``/``b`` appended).
    phases : dict of str to str
        RTO reference and zap phase nodes (empty for the other DACs).
    """

    lines: list[str]
    gates: list[str]
    gates_b: list[str]
    phases: dict[str, str]


def pulse(
    name: str,
    node: str,
    v_hi: float,
    delay_s: float,
    width_s: float,
    period_s: float,
    edge_s: float = EDGE_S,
) -> str:
    """A periodic 0 / ``v_hi`` PULSE source, high (at 50 %) on ``[delay, delay + width)``
    modulo ``period``; a window that covers ``t = 0`` starts high (inverted pulse)."""
    d = (delay_s - 0.5 * edge_s) % period_s
    if d + width_s <= period_s:
        lo, hi, start, on = 0.0, v_hi, d, width_s
    else:  # high at t = 0: describe the low window instead
        lo, hi, start, on = v_hi, 0.0, (d + width_s) % period_s, period_s - width_s
    return (
        f"v{name} {node} 0 pulse({fmt(lo)} {fmt(hi)} {fmt(start)} {fmt(edge_s)} {fmt(edge_s)} "
        f"{fmt(on - edge_s)} {fmt(period_s)})"
    )


def chopper_clocks(ctx: NetlistContext) -> list[str]:
    """Chopper gate phases: straight switches on while c = +1, crossed while c = -1.

    Raises
    ------
    SpecError
        (``chopper.f_chop_hz``) a chopping frequency off the clock grid.
    """
    d = ctx.design
    ch = d.spec.chopper
    f_chop = chop_frequency_hz(d)
    try:
        h = half_period_cycles(d.fs_hz, f_chop)
    except ValueError as exc:
        raise SpecError("chopper.f_chop_hz", str(exc).split(": ", 1)[-1]) from None
    T = ctx.period_s
    half_s = h * T
    start = ctx.t0_s + float(ch.phase) * T
    skew = float(ctx.imp.chopper_skew_s or 0.0)
    vdd = ctx.vdd_v
    return [
        f"* chopper at {fmt(f_chop)} Hz ({h} clock periods per half), "
        f"phase {fmt(float(ch.phase))} T,"
        f" output chopper {fmt(skew)} s late",
        pulse("chi", "chi", vdd, start - 2 * half_s, half_s, 2 * half_s),
        pulse("chib", "chib", vdd, start - half_s, half_s, 2 * half_s),
        pulse("cho", "cho", vdd, start - 2 * half_s + skew, half_s, 2 * half_s),
        pulse("chob", "chob", vdd, start - half_s + skew, half_s, 2 * half_s),
    ]


def quantizer_input(ctx: NetlistContext) -> list[str]:
    """Behavioural summer: ``y = C x + d_u u + d v`` in toolbox units (1 V per unit)."""
    d = ctx.design
    sz = d.sizing
    n = d.order
    abcdc = np.asarray(d.abcdc, dtype=float)
    terms = []
    for j in range(n):
        cy = float(abcdc[n, j])
        if cy:
            terms.append(f"{fmt(cy / sz.k_x_v[j])}*v(xp{j + 1},xn{j + 1})")
    if abcdc[n, n]:
        terms.append(f"{fmt(abcdc[n, n] / sz.k_u_v)}*v(inp,inn)")
    if abcdc[n, n + 1]:
        terms.append(f"{fmt(abcdc[n, n + 1])}*v(vcode)")
    return [f"by y 0 v={' + '.join(terms) if terms else '0'}"]


def _clock_source(ctx: NetlistContext, clocks: list[digital.Clock]) -> list[str]:
    """The logic clocks as one ``d_source``; its table, ``<name>_clocks.txt``, becomes one
    of ``ctx.inputs``. Jitter draws come from stream ``[seed, 3]``."""
    file_name = f"{ctx.design.name}_clocks.txt"
    try:
        lines, table = digital.clock_source(
            clocks, file_name, ctx.t_stop_s, np.random.default_rng([ctx.rng_seed, 3])
        )
    except ValueError as exc:
        raise SpecError("impairments.jitter_rms_s", str(exc).split(": ", 1)[-1]) from None
    ctx.inputs[file_name] = table
    notes = [
        f"* {c.node}"
        + (f" and {c.complement}" if c.complement else "")
        + (
            f": edges jittered by {fmt(c.jitter_rms_s)} s rms (white, per edge)"
            if c.jitter_rms_s
            else ": nominal edges"
        )
        for c in clocks
    ]
    return [f"* logic clocks, table {file_name}", *notes, *lines]


def _sample_grid_s(ctx: NetlistContext) -> float:
    """Step of the breakpoint grid ``k dt`` (from t = 0) that holds every sampling instant."""
    T = ctx.period_s
    return T if abs(math.remainder(ctx.t0_s, T)) < 1e-6 * T else 0.5 * T


def _jitter_s(ctx: NetlistContext) -> float:
    """Rms jitter of the clocks that time the first DAC, s (0: nominal edges)."""
    return float(ctx.imp.jitter_rms_s or 0.0)


def _timing_clocks(
    ctx: NetlistContext, t0: float, rto: bool
) -> tuple[list[str], list[digital.Clock]]:
    """The DAC clocks (with a loop delay) and the sampling clock.

    Parameters
    ----------
    ctx : NetlistContext
    t0 : float
        Loop delay: start of the DAC pulse after the sampling instant, clock periods.
    rto : bool
        A dual-RTO DAC (its gates come a gate, not a latch, after the late clock).

    Returns
    -------
    lines : list of str
    clocks : list of digital.Clock
        For the ``d_source``.
    """
    T = ctx.period_s
    # The gates' edge is centred on the analog instant it stands for: a dac_bridge starts its
    # ramp at the event, the gate events come a bridge, a retime buffer and a gate after
    # the clock source's mid-edge.
    gate_path_s = digital.GATE_DELAY_S if rto else digital.LATCH_DELAY_S + digital.BRIDGE_DELAY_S
    lead = 0.5 * EDGE_S + gate_path_s + RETIME_S + digital.BRIDGE_DELAY_S
    lines: list[str] = []
    clocks: list[digital.Clock] = []
    if t0 > 0:
        # DAC clock: early copy "dclke" (data retimed on it), late copy "dclk" (gates), high on
        # [t_n + t0 T, t_n + t0 T + T/2) at the gates; its events come where a bridge would
        # put them. Its complement comes from the same source: through an inverter, half B's
        # reference gates would open a gate delay after half A's, 2 ps off the steering edge,
        # and each such near-miss of two breakpoints costs about 10 tiny time steps.
        first = ctx.t0_s + t0 * T - lead + digital.BRIDGE_DELAY_S
        clocks.append(digital.Clock("dclke", first, 0.5 * T, _jitter_s(ctx), complement="dclke_n"))
        lines += [
            "adclkd dclke dclk d_retime",
            "adclkn dclke dclk_n d_retime_inv",
        ]
    if t0 > 0 and abs(t0 - 0.5) < 1e-12:
        lines.append("aclki dclk clk d_inv")  # samples at t_n (the late clock's falling edge)
    else:
        # A sampling clock of its own, not jittered (the engine's jitter is the DAC's). The
        # comparator bridges read the quantizer input at the analog time points: a noise-free
        # trnoise source puts one at every sampling instant t_n (each trnoise sample is a
        # breakpoint; the trnoise noise sources' grid is the same), and the latches take the
        # comparators' decisions two bridge delays later. (A PULSE clock did this with the
        # breakpoints of its edges: 25 of the multi-bit netlist's 63 time points per clock.)
        clocks.append(digital.Clock("clk", ctx.t0_s + SAMPLE_LATCH_S, 0.5 * T))
        lines.append(f"vsmp smp 0 dc 0 trnoise(0 {fmt(_sample_grid_s(ctx))} 0 0)")
    return lines, clocks


def _comparators(ctx: NetlistContext, units: int) -> tuple[list[str], int]:
    """The quantizer's comparators, offsets from the seed's static draws (stream
    ``[seed, 1]``, one LSB = 2 units); and ``m0``, the elements high at a zero input."""
    off, _, _ = static_errors(ctx.imp, ctx.design.levels, np.random.default_rng([ctx.rng_seed, 1]))
    thr = [-(units - 1) + 2.0 * k + float(off[k]) for k in range(units)]
    lines = digital.comparator_lines("y", thr, "clk")
    # Start on the code of a zero quantizer input: m0 elements high (the DWA pointer at 0).
    m0 = sum(1 for x in thr if x < 0)
    return lines, m0


def _element_data(
    ctx: NetlistContext, t0: float, units: int, m0: int
) -> tuple[list[str], list[str]]:
    """Retiming for the loop delay and the element selection (DWA).

    Returns
    -------
    lines : list of str
    data : list of str
        One digital node per element: whether it is on in the next DAC period.
    """
    lines: list[str] = []
    data = [f"t{k}" for k in range(units)]
    # Retiming for the loop delay: the DAC data changes at t_n + t0 T (on the early clock).
    if t0 > 0:
        for k in range(units):
            lines.append(f"art{k} t{k} dclke null null r{k} rb{k} {digital.start_latch(k < m0)}")
        data = [f"r{k}" for k in range(units)]
    if ctx.design.spec.dac.dem == "dwa" and units > 1:
        clk_sel = "dclke" if t0 > 0 else "clk"
        try:
            dwa, data = digital.dwa_lines(data, clk_sel)
        except ValueError as exc:
            raise SpecError("dac.dem", str(exc)) from None
        lines += dwa
    return lines, data


def _rto_gates(data: list[str], units: int, m0: int) -> tuple[list[str], list[str], dict[str, str]]:
    """Gate drivers of the dual-RTO halves and their reference and zap phases.

    Half A is connected on ``[t_n + t0, t_n + t0 + T/2)`` (``dclk`` high) with the data
    ``ra``, half B on the second half (``dclk`` low) with ``rb``, a copy of ``ra`` taken on
    the early clock's falling edge: each half's data is steady through its window, so gating
    it with the late clock switches both steering gates of a half in one event.

    Returns
    -------
    lines : list of str
    dac_data : list of str
        The halves' steering enables (their sum is the DAC's code).
    phases : dict of str to str
    """
    lines: list[str] = []
    for k in range(units):
        lines += [
            f"arb{k} {data[k]} dclke_n null null {data[k]}_hb {data[k]}_hbn "
            f"{digital.start_latch(k < m0)}",
            f"ata{k} {data[k]} {data[k]}_t d_buf",
            f"atb{k} {data[k]} {data[k]}_b d_inv",
        ]
    # Reference switches: on inside the steering window, closing RETIME_S after the
    # steering and opening RETIME_S before it (dclke AND dclk delayed). So the floating
    # node meets the virtual ground before any current flows (its memory is dumped, as
    # the engine models it) and is left at the virtual-ground voltage when the half
    # opens. (Switching both ends in one event, or the reference 10 ps ahead, gave noisy
    # runs or "timestep too small"; 80 ps ahead recharged the node through R_u before
    # reconnection and erased the unzapped DAC's memory.)
    lines += [
        "adclkdd dclk dclk_d d_retime",
        "adclkdn dclk dclk_dn d_retime_inv",
        "arefa [dclke dclk_d] refa d_and2",
        "arefan [dclke dclk_d] refan d_nand2",
        "arefb [dclke_n dclk_dn] refb d_and2",
        "arefbn [dclke_n dclk_dn] refbn d_nand2",
        "adrvref [refa refan refb refbn] [pha phab phb phbb] gate_drv",
    ]
    # Zap: a half's zap switches close with the other half's reference switches.
    phases = {"pha": "pha", "phab": "phab", "phb": "phb", "phbb": "phbb"}
    phases.update(zapa="phb", zapb="pha")
    sources = {"a": ("dclk", "_t", "_b"), "b": ("dclk_n", "_hb", "_hbn")}
    for h in ("a", "b"):
        ph, on_sfx, off_sfx = sources[h]
        for k in range(units):
            lines += [
                f"aon{h}{k} [{data[k]}{on_sfx} {ph}] e{k}{h} d_and2",
                f"aoff{h}{k} [{data[k]}{off_sfx} {ph}] eb{k}{h} d_and2",
            ]
        lines.append(
            f"adrv{h} [{' '.join(f'e{k}{h} eb{k}{h}' for k in range(units))}] "
            f"[{' '.join(f'g{k}{h} gb{k}{h}' for k in range(units))}] gate_drv"
        )
    # The DAC's code (later DACs, the quantizer's direct path, the output): the sum of the
    # halves' steering enables, so that it moves with the steering gates.
    dac_data = [f"e{k}{h}" for k in range(units) for h in ("a", "b")]
    return lines, dac_data, phases


def _latched_gates(
    ctx: NetlistContext, data: list[str], units: int, t0: float, m0: int
) -> tuple[list[str], list[str], list[digital.Clock]]:
    """Gate drivers of the NRZ DACs: the selected elements retimed on the late clock.

    The latch's Q and Q-bar change together, so the two switches of a steering pair switch at
    the same instant. (With a loop delay the late DAC clock is that copy; without one, the
    DAC switches RETIME_S plus a latch and half an edge after t_n: about 0.002 T at 20 MHz.)

    Returns
    -------
    lines : list of str
    dac_data : list of str
        The latched elements (their sum is the DAC's code).
    clocks : list of digital.Clock
        The DAC's own clock when there is no loop delay (else empty).
    """
    clocks: list[digital.Clock] = []
    if t0 > 0:
        clk_gate = "dclk"
    else:
        # The DAC's own clock, RETIME_S after the sampling instant, with the jitter.
        clk_gate = "clk_r"
        clocks.append(
            digital.Clock("clk_r", ctx.t0_s + RETIME_S, 0.5 * ctx.period_s, _jitter_s(ctx))
        )
    lines = [
        f"agl{k} {data[k]} {clk_gate} null null q{k} qb{k} {digital.start_latch(k < m0)}"
        for k in range(units)
    ]
    lines.append(
        f"adrv [{' '.join(f'q{k} qb{k}' for k in range(units))}] "
        f"[{' '.join(f'g{k} gb{k}' for k in range(units))}] gate_drv"
    )
    return lines, [f"q{k}" for k in range(units)], clocks


def _code_bridge(dac_data: list[str], units: int) -> list[str]:
    """The DAC's code ``vcode`` (toolbox units) from its elements: one bridge on the gate
    drivers' events, with their edges, so it adds no breakpoints of its own."""
    analog = [f"da{k}" for k in range(len(dac_data))]
    return [
        f"avc [{' '.join(dac_data)}] [{' '.join(analog)}] code_drv",
        f"bvc vcode 0 v=2*({'+'.join(f'v({a})' for a in analog)})-{units}",
    ]


def clocks_and_logic(ctx: NetlistContext, t0: float) -> Logic:
    """Clocks, comparators, latches, DWA and drivers of the first DAC's switches.

    Parameters
    ----------
    ctx : NetlistContext
    t0 : float
        Loop delay: start of the DAC pulse after the sampling instant, clock periods.

    Returns
    -------
    Logic

    Raises
    ------
    SpecError
        A dual-RTO DAC without a loop delay, DWA on a non-power-of-two element count,
        jitter the clock table cannot hold.
    """
    units = max(ctx.design.levels - 1, 1)
    rto = dac_model(ctx.design.spec.dac.type).return_to_open
    if rto and t0 <= 0:
        raise SpecError("architecture.eld", "a dual RTO DAC needs a loop delay t0 > 0")
    lines = digital.model_lines(ctx.vdd_v, EDGE_S, RETIME_S)
    timing, clocks = _timing_clocks(ctx, t0, rto)
    comparators, m0 = _comparators(ctx, units)
    selection, data = _element_data(ctx, t0, units, m0)
    lines += timing + comparators + selection
    phases: dict[str, str] = {}
    if rto:
        gate_lines, dac_data, phases = _rto_gates(data, units, m0)
    else:
        gate_lines, dac_data, dac_clocks = _latched_gates(ctx, data, units, t0, m0)
        clocks += dac_clocks
    lines += gate_lines + _code_bridge(dac_data, units)
    lines += _clock_source(ctx, clocks)
    gates, gates_b = [f"g{k}" for k in range(units)], [f"gb{k}" for k in range(units)]
    return Logic(lines, gates, gates_b, phases)
