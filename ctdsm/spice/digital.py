"""XSPICE digital logic of the netlists: comparator bank, latches, DWA and retiming.

Everything is generated as netlist lines: ``adc_bridge`` comparators on the
quantizer input, ``d_dff`` latches on the sampling clock, for multi-bit designs with
``dac.dem = dwa`` a data-weighted-averaging selector in gates (a rotator driven by a pointer
register that advances by the number of high comparators), optional retiming latches for
an excess loop delay, and ``dac_bridge`` drivers that turn the element data into switch
gate voltages. The logic clocks are the one exception: a ``d_source`` reads their edge
times from a table written beside the netlist (:func:`clock_source`), because no ngspice
source or digital model can draw a per-edge random delay, and because digital clocks
put no breakpoints of their own into the analog solution.

The DWA follows the engine's convention (:func:`ctdsm.sim.kernels.select_elements`):
element ``e`` is high when ``(e - p) mod M < m``, ``m`` the number of high comparators and
``p`` the pointer, which then advances to ``(p + m) mod M``. For a thermometer code
``t_j = [j < m]`` this is ``out_e = t_((e - p) mod M)``: a barrel rotation of the
thermometer by ``p`` (``log2 M`` stages of 2:1 multiplexers). ``m mod M`` in binary comes
from the thermometer's transitions, the pointer update from a ripple-carry adder.

References
----------
R. T. Baird and T. S. Fiez, "Linearity enhancement of multibit delta-sigma A/D and D/A
converters using data weighted averaging," IEEE Trans. Circuits Syst. II, 42(12), 1995.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BRIDGE_DELAY_S",
    "GATE_DELAY_S",
    "LATCH_DELAY_S",
    "model_lines",
    "comparator_lines",
    "Clock",
    "clock_source",
    "jittered_clock",
    "dwa_lines",
]

#: Propagation delay of every XSPICE gate, s (a fast 180 nm gate: tens of ps; kept small so
#: that the logic adds no loop delay the behavioral model lacks).
GATE_DELAY_S = 2e-12
#: Clock-to-output delay of the latches, s.
LATCH_DELAY_S = 5e-12
#: Delay of the analog-to-digital clock and comparator bridges, s.
BRIDGE_DELAY_S = 1e-12
#: The extra output delay of latches and bridges (XSPICE wants one > 0; its default is 1 ns).
_MIN_DELAY = f"rise_delay={BRIDGE_DELAY_S:.3g} fall_delay={BRIDGE_DELAY_S:.3g}"


def model_lines(vdd_v: float, edge_s: float, retime_s: float) -> list[str]:
    """The ``.model`` cards shared by the digital blocks.

    Parameters
    ----------
    vdd_v : float
        Logic-high level of the switch drivers, V.
    edge_s : float
        0-100 % edge time of the switch-gate drivers, s.
    retime_s : float
        Delay of the late clock copies (``d_retime``, ``d_retime_inv``), s.
    """
    r = f"rise_delay={retime_s:.3g} fall_delay={retime_s:.3g}"
    # Every XSPICE delay defaults to 1 ns: set them all, or the DAC data would lag the analog
    # clock phases by 2 ns (bridge + latch) and switch mid-pulse with the previous data.
    g = f"rise_delay={GATE_DELAY_S:.3g} fall_delay={GATE_DELAY_S:.3g}"
    half = 0.5 * vdd_v
    return [
        f".model d_and2 d_and({g})",
        f".model d_or2 d_or({g})",
        f".model d_nand2 d_nand({g})",
        f".model d_xor2 d_xor({g})",
        f".model d_inv d_inverter({g})",
        f".model d_buf d_buffer({g})",
        f".model d_retime d_buffer({r})",
        f".model d_retime_inv d_inverter({r})",
        # Latches start low, or high ("d_latch_set"): the comparators' and the DAC's latches
        # start on the code of a zero quantizer input (no start-up kick to the integrators).
        *(
            f".model {name} d_dff(clk_delay={LATCH_DELAY_S:.3g} set_delay={LATCH_DELAY_S:.3g} "
            f"reset_delay={LATCH_DELAY_S:.3g} {_MIN_DELAY} ic={ic})"
            for name, ic in (("d_latch", 0), ("d_latch_set", 1))
        ),
        f".model gate_drv dac_bridge(out_low=0 out_high={vdd_v:.6g} out_undef={half:.6g} "
        f"t_rise={edge_s:.3g} t_fall={edge_s:.3g})",
        # The DAC's code as analog units (1 V each), on the gate drivers' events and edges:
        # its breakpoints are theirs.
        f".model code_drv dac_bridge(out_low=0 out_high=1 out_undef=0.5 "
        f"t_rise={edge_s:.3g} t_fall={edge_s:.3g})",
    ]


#: Earliest event of a ``d_source`` table, s (see :func:`jittered_clock`).
_D_SOURCE_FIRST_EVENT_S = 1e-9


@dataclass(frozen=True)
class Clock:
    """One logic clock of a :func:`clock_source`.

    Attributes
    ----------
    node : str
        Digital output node.
    first_edge_s : float
        A nominal rising edge, s (any one: the phase is taken modulo the period).
    half_period_s : float
        Half the clock period, s (50 % duty cycle).
    jitter_rms_s : float
        Standard deviation of each edge's timing error, s (0: the nominal edges).
    complement : str, optional
        Digital node of the inverted clock, a second output of the same source: its edges
        are the clock's own events, not an inverter's delay later.
    """

    node: str
    first_edge_s: float
    half_period_s: float
    jitter_rms_s: float = 0.0
    complement: str | None = None


def clock_source(
    clocks: Sequence[Clock],
    file_name: str,
    t_stop_s: float,
    rng: np.random.Generator,
) -> tuple[list[str], str]:
    """Logic clocks as one ``d_source`` and its table (rows: time, then each output's state).

    Each clock is high on ``[t_k, t_k + T/2)`` for its nominal rising edges
    ``t_k = first_edge + k T`` (``k`` any integer); with ``jitter_rms_s`` every edge, rising
    and falling, is moved by an independent draw ``N(0, jitter_rms_s**2)``
    (:mod:`ctdsm.impairments`, ``jitter_rms_s``: the engine's model, white and not
    accumulated), drawn in time order, clock after clock. The events are exact: no bridge
    threshold or time-point detection is involved (and no analog breakpoint: a clock's edges
    only touch the analog circuit through the bridges they trigger). Edges in the first
    nanosecond are left out, the clock starting in the state they leave: ngspice 39's
    ``d_source`` drops an event that comes before its first analog time step, and every later
    one with it (an edge at 50 ps did). (Moving them to 1 ns instead made two clocks' first
    edges simultaneous, and the multi-bit DAC took its first code before the quantizer's.)

    Parameters
    ----------
    clocks : sequence of Clock
        The clocks (outputs in this order, each followed by its complement if any).
    file_name : str
        Name of the table (ngspice finds it beside the netlist or in the run directory).
    t_stop_s : float
        End of the simulation, s: edges are listed up to one period beyond it.
    rng : numpy.random.Generator
        Source of the jitter draws.

    Returns
    -------
    lines, table : list of str, str
        The netlist lines and the table's text.
    """
    times, columns, states, initial = [], [], [], []
    for i, c in enumerate(clocks):
        if not (0.0 <= c.jitter_rms_s < 0.1 * c.half_period_s):
            raise ValueError(f"jitter_rms_s: {c.jitter_rms_s:g} s is not small against the period")
        # Nominal edges from the first one after t = 0 (even index: rising).
        k0 = math.floor(-c.first_edge_s / c.half_period_s) + 1
        k1 = math.ceil((t_stop_s - c.first_edge_s) / c.half_period_s) + 2
        k = np.arange(k0, k1)
        t = c.first_edge_s + k * c.half_period_s
        if c.jitter_rms_s > 0:
            t = t + c.jitter_rms_s * rng.standard_normal(k.size)
        if np.any(np.diff(t) <= 0):
            raise ValueError(f"half_period_s: {c.half_period_s:g} s is too short for the table")
        # Edges too early for the d_source are taken as done at t = 0.
        early = t < _D_SOURCE_FIRST_EVENT_S
        last_early = int(np.count_nonzero(early)) - 1
        initial.append(bool(k[last_early] % 2 == 0) if last_early >= 0 else bool(k0 % 2 == 1))
        t, k = t[~early], k[~early]
        times.append(t)
        columns.append(np.full(k.size, i))
        states.append(k % 2 == 0)
    t_all = np.concatenate(times)
    order = np.argsort(t_all, kind="stable")
    col_all, st_all = np.concatenate(columns)[order], np.concatenate(states)[order]
    t_all = t_all[order]

    def row_states(high: list[bool]) -> str:
        out = []
        for c, h in zip(clocks, high, strict=True):
            out.append("1s" if h else "0s")
            if c.complement is not None:
                out.append("0s" if h else "1s")
        return " ".join(out)

    high = list(initial)
    rows = [f"0 {row_states(high)}"]
    for j, (ti, col, st) in enumerate(zip(t_all, col_all, st_all, strict=True)):
        high[col] = bool(st)
        if j + 1 < t_all.size and t_all[j + 1] == ti:
            continue  # one row for simultaneous edges
        # 12 decimals: 0.5 fs resolution at 0.5 ms.
        rows.append(f"{ti:.12e} {row_states(high)}")
    table = "\n".join(rows) + "\n"
    outputs = " ".join(n for c in clocks for n in (c.node, c.complement) if n is not None)
    model = f"src_{clocks[0].node}"
    lines = [
        f'.model {model} d_source(input_file="{file_name}")',
        f"asrc_{clocks[0].node} [{outputs}] {model}",
    ]
    return lines, table


def jittered_clock(
    node: str,
    file_name: str,
    first_edge_s: float,
    half_period_s: float,
    t_stop_s: float,
    jitter_rms_s: float,
    rng: np.random.Generator,
    complement: str | None = None,
) -> tuple[list[str], str]:
    """One clock with white Gaussian edge jitter: :func:`clock_source` of a single
    :class:`Clock` (the parameters are its fields)."""
    return clock_source(
        [Clock(node, first_edge_s, half_period_s, jitter_rms_s, complement)],
        file_name,
        t_stop_s,
        rng,
    )


def comparator_lines(y_node: str, thresholds: Sequence[float], clk: str) -> list[str]:
    """Comparators (``adc_bridge`` at each threshold) latched on ``clk``.

    Parameters
    ----------
    y_node : str
        Analog quantizer input (toolbox units, 1 V per unit).
    thresholds : sequence of float
        Decision levels including each comparator's offset, toolbox units, ascending.
    clk : str
        Digital sampling clock.

    Returns
    -------
    list of str
        Lines defining digital nodes ``t0 .. t{M-1}`` (latched thermometer code).
    """
    lines = []
    for k, thr in enumerate(thresholds):
        lines += [
            f".model cmp{k} adc_bridge(in_low={thr:.9g} in_high={thr:.9g} {_MIN_DELAY})",
            f"acmp{k} [{y_node}] [c{k}] cmp{k}",
            f"alat{k} c{k} {clk} null null t{k} tb{k} {start_latch(thr < 0)}",
        ]
    return lines


def start_latch(high: bool) -> str:
    """The latch model that starts in state ``high``."""
    return "d_latch_set" if high else "d_latch"


def _mux(out: str, sel: str, sel_b: str, a: str, b: str, tag: str) -> list[str]:
    """``out = sel ? a : b`` from two ANDs and an OR."""
    return [
        f"a{tag}a [{sel} {a}] {tag}_a d_and2",
        f"a{tag}b [{sel_b} {b}] {tag}_b d_and2",
        f"a{tag}o [{tag}_a {tag}_b] {out} d_or2",
    ]


def dwa_lines(inputs: Sequence[str], clk: str, prefix: str = "dwa") -> tuple[list[str], list[str]]:
    """Data-weighted averaging of a thermometer code, in XSPICE gates.

    Parameters
    ----------
    inputs : sequence of str
        Digital thermometer nodes ``t_0 .. t_(M-1)`` (``t_j`` high when ``j < m``);
        ``M`` must be a power of two.
    clk : str
        Digital clock of the pointer register (the sampling clock).
    prefix : str
        Node-name prefix.

    Returns
    -------
    (lines, outputs)
        Netlist lines and the ``M`` digital element nodes.

    Raises
    ------
    ValueError
        When ``M`` is not a power of two.
    """
    m_el = len(inputs)
    k_bits = m_el.bit_length() - 1
    if m_el < 2 or 1 << k_bits != m_el:
        raise ValueError(f"DWA in gates needs a power-of-two number of elements, got {m_el}")
    p = [f"{prefix}_p{b}" for b in range(k_bits)]
    lines = [f"* DWA: {m_el} elements, {k_bits}-bit pointer"]
    # Pointer complements for the multiplexers.
    for b in range(k_bits):
        lines.append(f"a{prefix}_pi{b} {p[b]} {p[b]}b d_inv")
    # Barrel rotation: stage b rotates by 2^b when pointer bit b is set.
    cur = list(inputs)
    for b in range(k_bits):
        s = 1 << b
        nxt = [f"{prefix}_r{b}_{e}" for e in range(m_el)]
        for e in range(m_el):
            lines += _mux(
                nxt[e], p[b], f"{p[b]}b", cur[(e - s) % m_el], cur[e], f"{prefix}m{b}_{e}"
            )
        cur = nxt
    outputs = cur
    # m mod M in binary from the thermometer: bit b set iff m lies in a range
    # [k 2^(b+1) + 2^b, (k+1) 2^(b+1) - 1], i.e. t_(lo-1) high and t_(hi) low.
    inv = [f"{prefix}_ti{j}" for j in range(m_el)]
    for j in range(m_el):
        lines.append(f"a{prefix}_ti{j} {inputs[j]} {inv[j]} d_inv")
    mbits = []
    for b in range(k_bits):
        terms = []
        step = 1 << (b + 1)
        for base in range(0, m_el, step):
            lo = base + (1 << b) - 1
            hi = base + step - 1
            term = f"{prefix}_mb{b}_{base}"
            lines.append(f"a{term} [{inputs[lo]} {inv[hi]}] {term} d_and2")
            terms.append(term)
        acc = terms[0]
        for i, t in enumerate(terms[1:]):
            node = f"{prefix}_mb{b}_or{i}"
            lines.append(f"a{node} [{acc} {t}] {node} d_or2")
            acc = node
        mbits.append(acc)
    # Ripple-carry adder p + m (mod M) and the pointer register.
    carry = None
    for b in range(k_bits):
        a, m = p[b], mbits[b]
        total = f"{prefix}_s{b}"  # the sum bit
        if carry is None:
            lines.append(f"a{prefix}_x{b} [{a} {m}] {total} d_xor2")
            lines.append(f"a{prefix}_c{b} [{a} {m}] {prefix}_c{b} d_and2")
        else:
            lines += [
                f"a{prefix}_h{b} [{a} {m}] {prefix}_h{b} d_xor2",
                f"a{prefix}_x{b} [{prefix}_h{b} {carry}] {total} d_xor2",
                f"a{prefix}_g{b} [{a} {m}] {prefix}_g{b} d_and2",
                f"a{prefix}_k{b} [{prefix}_h{b} {carry}] {prefix}_k{b} d_and2",
                f"a{prefix}_c{b} [{prefix}_g{b} {prefix}_k{b}] {prefix}_c{b} d_or2",
            ]
        carry = f"{prefix}_c{b}"
        lines.append(f"a{prefix}_reg{b} {total} {clk} null null {p[b]} {p[b]}_nq d_latch")
    return lines, outputs
