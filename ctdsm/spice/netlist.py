"""ngspice netlists of a design: the same circuit the behavioral model describes.

:func:`build_netlist` turns a :class:`ctdsm.Design` into a deterministic, fully differential
active-RC netlist that plain ``ngspice -b`` runs closed-loop:

* **Integrators**: one opamp macromodel per state (:mod:`ctdsm.spice.macromodels`: DC gain,
  GBW, the first opamp's non-dominant pole, output clamp, input-referred white and 1/f
  noise, offset), integrating capacitors ``C_i`` and resistors from ``design.sizing``
  (coefficient sign = straight or crossed connection), each resistor with a series noise
  source of density ``4 k T R``.
* **First DAC** per ``dac.type`` with 180 nm MOS switches sized by
  :func:`ctdsm.dac.dac_physics` (``R_on = R_u / 50``; the unit resistor is reduced by the
  switches' resistance at the operating point so that each half's path is ``R_u``):
  ``r_dac`` inverters (PMOS to ``VREFP``, NMOS to ``VREFN``) driving the unit resistors;
  ``vgs_r`` resistors tied to the references, NMOS switches at the virtual grounds steering
  each half's current; ``dual_rto`` / ``zapped_dual_rto`` two return-to-open halves (A in
  the first half of the pulse window, B in the second), each disconnected at both ends while
  off (reference switch and steering switches), with the switch-node capacitance floating,
  and, zapped, an NMOS that resets the switch nodes to the common mode before reconnection.
  The references have the output resistance and decoupling of ``dac_physics``. Element
  mismatch is drawn from the seed (``impairments.dac_mismatch_sigma``).
* **Later DACs** (FB form) are ideal: a voltage ``+-k_u v / 2`` around the common mode
  through the sized resistor (the engine models them ideal too).
* **Chopper**: NMOS switches around the first opamp's input stage when
  ``chopper.enabled``, at the engine's frequency and phase, the output chopper lagging by
  ``impairments.chopper_skew_s``.
* **Quantizer and logic** in XSPICE: ``adc_bridge`` comparators (offsets drawn from the
  seed), ``d_dff`` latches on the sampling clock, DWA in gates for ``dac.dem = dwa``,
  retiming latches for the loop delay, ``dac_bridge`` gate drivers (:mod:`ctdsm.spice.digital`).
* **Clocks** as PULSE sources: sampling at ``t_n = t_0 + n T`` (``t_0`` is ``T/2`` or ``T``,
  whichever puts the DAC edges on the noise sources' sample grid), the DAC pulse window
  ``[t_n + t0 T, t_n + t1 T)`` from ``design.tdac``, RTO halves, zap and chop phases.
* **Input**: a differential sine at the engine's test frequency and amplitude.
* **Noise** (``noise_source``): ``trnoise`` sources by default (ngspice 39 cannot seed them,
  so the noise waveforms differ from run to run; everything else is fixed by the seed), or
  ``"table"``: every noise source (resistors, opamps) one column of a table drawn from the
  seed, ``<name>_noise.txt``, played by one XSPICE ``filesource``, so that a run repeats to
  the last bit.

The code at each clock is written by ``wrdata`` at ``t_n + T/2``, half a period after the
sampling instant (``.options interp`` with a ``T/2`` step: two output points per clock).

* **Jitter** (``impairments.jitter_rms_s``): the clock that times the first DAC is a
  ``d_source`` with every edge moved by its own Gaussian draw from the seed (the engine's
  white, per-edge model); its edge table ``<name>_<clock>.txt`` is written beside the
  netlist (:attr:`Netlist.inputs`). Without jitter the clocks are PULSE sources.

What the behavioral engine has that the netlist leaves out: comparator hysteresis and
noise, the chopper's explicit charge-injection term (the MOS switches inject their own
charge instead).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ctdsm.errors import CtdsmError, SpecError
from ctdsm.spice import digital
from ctdsm.spice.macromodels import OpampParams, fmt, opamp_subckt, trnoise_white_na

if TYPE_CHECKING:
    from ctdsm.design.record import Design

__all__ = ["Netlist", "build_netlist", "OUTPUT_FILE", "SPICE_OPTIONS"]

OUTPUT_FILE = "code.txt"
#: Simulator options: ngspice defaults (trapezoidal, reltol 1e-3), output interpolated to the
#: clock grid, device bypass (a device whose terminal voltages did not move is not
#: re-evaluated: 10 % faster, same SNDR); tighter reltol was 3x slower (docs/spice.md).
SPICE_OPTIONS = "interp bypass=1"
#: Charge tolerance per first-DAC type, C (others: ngspice's 1e-14). The dual-RTO switches
#: are 30x wider than the multi-bit DAC's (185 vs 5.8 um) and their charge sets the step
#: inside every gate ramp. Measured on the single-bit design with the seeded noise table
#: (the same noise draw at every tolerance; 2^14 cycles, default impairments): 1e-13 101.79 /
#: 101.83 dB (seeds 1 / 2) in 270-277 s, 1e-12 101.78 / 102.23 dB in 163-184 s, 1e-11 100.03
#: / 101.80 dB in 110-112 s (seed 1 THD -109.8 dB: the numerics start to distort); noise-free
#: (8192 cycles, seed 1): 107.5, 109.0, 107.0 dB (behavioral 110.1 +- 0.7 dB). So 1e-12. The
#: multi-bit netlist stays at the default: 1e-13 cost it 1.1 dB (docs/spice.md).
CHGTOL_C = {"dual_rto": 1e-12, "zapped_dual_rto": 1e-12}
#: Per-PDK exceptions to :data:`CHGTOL_C`, ``{pdk: {dac type: C}}``. On GF180MCU 1e-12 cost
#: the single-bit design 1.0 dB against 1e-13 with the same noise draw (seed 1, 2^14 cycles:
#: 100.54 vs 101.58 dB, 230 vs 322 s), so it keeps 1e-13 there.
CHGTOL_PDK_C = {"gf180mcu": {"dual_rto": 1e-13, "zapped_dual_rto": 1e-13}}


def _chgtol_c(pdk: str, dac_type: str) -> float | None:
    """Charge tolerance of a netlist, C (None: ngspice's default)."""
    return CHGTOL_PDK_C.get(pdk, {}).get(dac_type, CHGTOL_C.get(dac_type))


#: Edge time of the switch-gate drivers and clock phases, s.
EDGE_S = 50e-12
#: Time the digital logic gets to settle before the DAC gates are retimed, s (the DWA's
#: four multiplexer stages take 16 ps).
RETIME_S = 50e-12
#: Delay of a sampling clock of its own after the sampling instant, s: the comparator
#: bridges' decisions (one bridge delay after the instant) are then in.
SAMPLE_LATCH_S = 2e-12
#: Time constants of the zap switch and the floating node in the zap window (its gate drive
#: at the common mode is about 1.6x below full drive: still more than 20).
ZAP_TAUS = 40.0
#: Body-effect coefficient and surface potential of the switch-resistance estimate, sqrt(V)
#: and V: the embedded card's K1 (0.55-0.58) and 2 phi_F. (The estimate only trims the unit
#: resistors; the simulation uses the device models.)
BODY_GAMMA_SQRT_V = 0.57
PHI_2F_V = 0.8
#: Width of the chopper switches, m (length: the PDK minimum).
CHOP_SWITCH_W_M = 4e-6
K_BOLTZMANN = 1.380649e-23
#: Widest single GF180MCU finger used, m (the binned 3.3 V models stop at 100 um).
GF180_W_MAX_M = 50e-6


@dataclass(frozen=True)
class Netlist:
    """A generated netlist and what the runner needs to read its output.

    Attributes
    ----------
    text : str
        The netlist (deterministic for a given design and arguments).
    name : str
        Design name (the file is ``<name>.cir``).
    fs_hz : float
        Clock, Hz.
    t_first_sample_s : float
        First sampling instant ``t_0``, s.
    read_delay_s : float
        The code ``v[n]`` (decided at ``t_0 + n T``) is read at ``t_0 + n T + read_delay_s``,
        a multiple of ``T/2`` at least a quarter period after the DAC took it.
    t_stop_s : float
        End of the transient, s: half a period past the last read.
    n_cycles : int
        Clock cycles simulated (codes written).
    fin_hz, amplitude_dbfs : float
        Test tone.
    seed : int
        Seed of the drawn parameters (offsets, mismatch).
    levels : int
        Quantizer levels.
    output_file : str
        File the ``.control`` block writes (relative to the run directory).
    code_vector : str
        Column with the output code (toolbox units): the first DAC's code, which is the
        quantizer's decision delayed by the loop delay (DWA permutes the elements, not their
        count).
    state_vectors : tuple of str
        Columns with the integrator outputs (differential volts).
    k_x_v : tuple of float
        Volts per toolbox unit of each state.
    pdk, corner : str
    temp_c : float
    files : tuple of str
        Files the netlist references (absolute paths, gf180mcu only).
    spiceinit : tuple of str
        Lines the run directory's ``.spiceinit`` must hold.
    inputs : tuple of (str, str)
        Files the netlist reads, as ``(name, text)``, written beside it (the jittered clock's
        edge table).
    """

    text: str
    name: str
    fs_hz: float
    t_first_sample_s: float
    read_delay_s: float
    t_stop_s: float
    n_cycles: int
    fin_hz: float
    amplitude_dbfs: float
    seed: int
    levels: int
    output_file: str
    code_vector: str
    state_vectors: tuple[str, ...]
    k_x_v: tuple[float, ...]
    pdk: str
    corner: str
    temp_c: float
    files: tuple[str, ...] = ()
    spiceinit: tuple[str, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def filename(self) -> str:
        return f"{self.name}.cir"


# ------------------------------------------------------------------------------- helpers


@dataclass
class _Ctx:
    """Values shared by the section builders."""

    design: Any
    imp: Any
    pdk: str
    dev: Any
    vdd_v: float
    vcm_v: float
    v_fs_v: float
    period_s: float
    t0_s: float
    temp_k: float
    noise: bool
    noise_dt_s: float
    noise_table: bool  # noise_source == "table"
    rng: np.random.Generator
    rng_seed: int
    t_stop_s: float = 0.0
    inputs: dict[str, str] = field(default_factory=dict)  # files written beside the netlist
    noise_columns: list[_NoiseColumn] = field(default_factory=list)

    def nmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        return self._mos(n, d, g, s, "0", self.dev.nmos, w_m, l_m)

    def pmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        return self._mos(n, d, g, s, "vdd", self.dev.pmos, w_m, l_m)

    def _mos(self, n: str, d: str, g: str, s: str, b: str, model: str, w: float, l_m: float) -> str:
        # GF180MCU devices are subcircuits (X) binned up to a finite width: wide switches
        # are split into parallel fingers (m); the embedded card is a plain model (M).
        if self.pdk == "gf180mcu":
            fingers = max(1, math.ceil(w / GF180_W_MAX_M))
            m = f" m={fingers}" if fingers > 1 else ""
            return f"x{n} {d} {g} {s} {b} {model} w={fmt(w / fingers)} l={fmt(l_m)}{m}"
        return f"m{n} {d} {g} {s} {b} {model} w={fmt(w)} l={fmt(l_m)}"

    def nmos_template(self) -> str:
        prefix = "x" if self.pdk == "gf180mcu" else "m"
        return prefix + "{n} {d} {g} {s} 0 " + self.dev.nmos

    def resistor(self, name: str, a: str, b: str, r_ohm: float) -> list[str]:
        """A resistor with its thermal noise (a series source of density 4 k T R: a
        ``trnoise`` or a column of the noise table)."""
        if not self.noise:
            return [f"r{name} {a} {b} {fmt(r_ohm)}"]
        density = 4.0 * K_BOLTZMANN * self.temp_k * r_ohm
        if self.noise_table:
            self.noise_source(f"n{name}", b, density)
            return [f"r{name} {a} n{name} {fmt(r_ohm)}"]
        na = trnoise_white_na(density, self.noise_dt_s)
        return [
            f"r{name} {a} n{name} {fmt(r_ohm)}",
            f"vn{name} n{name} {b} dc 0 trnoise({fmt(na)} {fmt(self.noise_dt_s)} 0 0)",
        ]

    def noise_source(
        self, a: str, b: str, density_v2_hz: float, flicker_corner_hz: float | None = None
    ) -> None:
        """A noise voltage ``v(a) - v(b)`` of one-sided density ``density_v2_hz`` (V^2/Hz),
        plus ``1/f`` noise of corner ``flicker_corner_hz``: a column of the noise table."""
        self.noise_columns.append(_NoiseColumn(a, b, float(density_v2_hz), flicker_corner_hz))


@dataclass(frozen=True)
class _NoiseColumn:
    """One noise source of the netlist's noise table."""

    node_a: str
    node_b: str
    density_v2_hz: float
    flicker_corner_hz: float | None = None


def _pulse(
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


def _clock_source(ctx: _Ctx, clocks: list[digital.Clock]) -> list[str]:
    """The logic clocks as one ``d_source`` (:func:`ctdsm.spice.digital.clock_source`); its
    table, ``<name>_clocks.txt``, is one of the netlist's inputs. Jitter draws come from the
    seed."""
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


#: Ways to make the thermal and 1/f noise (:func:`build_netlist`'s ``noise_source``).
NOISE_SOURCES = ("trnoise", "table")
#: Noise table resolution: samples are written as integers in units of 1/NOISE_STEPS of
#: each column's white-noise standard deviation (quantization error 51 dB below the noise).
NOISE_STEPS = 100


def _noise_source(ctx: _Ctx) -> list[str]:
    """All thermal and 1/f noise sources as one XSPICE ``filesource`` driving a ``%vd``
    vector, one column per :class:`_NoiseColumn`, and its table ``<name>_noise.txt`` (one of
    the netlist's inputs).

    Each column holds samples every ``noise_dt_s`` from ``t = 0`` that the source
    interpolates linearly: a white sequence of standard deviation ``sqrt(S / (2 dt))`` then
    has the one-sided density ``S`` (times ``sinc^4(f dt)``, 1.8 dB down at ``fs/4``). The
    1/f part is :func:`ctdsm.noise.flicker_noise`, the engine's generator. The draws come
    from the seed (stream ``[seed, 3]``), so that a netlist is reproducible: ngspice's own
    ``trnoise`` cannot be seeded (docs/spice.md). Used with ``noise_source="table"``.
    """
    from ctdsm.models.noise import flicker_noise

    cols = ctx.noise_columns
    if not cols:
        return []
    dt = ctx.noise_dt_s
    n = int(math.ceil(ctx.t_stop_s / dt)) + 2
    rng = np.random.default_rng([ctx.rng_seed, 3])
    table = np.empty((n, len(cols) + 1), dtype=np.int64)
    table[:, 0] = np.arange(n)
    scales = []
    for j, c in enumerate(cols):
        sigma = math.sqrt(c.density_v2_hz / (2.0 * dt))
        x = rng.standard_normal(n)
        if c.flicker_corner_hz:
            x += (
                flicker_noise(
                    n, 1.0 / dt, c.density_v2_hz, c.flicker_corner_hz, rng, _flicker_f_max_hz(ctx)
                )
                / sigma
            )
        table[:, j + 1] = np.rint(x * NOISE_STEPS)
        scales.append(sigma / NOISE_STEPS)
    file_name = f"{ctx.design.name}_noise.txt"
    header = [
        f"# noise table of {ctx.design.name}: row k at t = k * {fmt(dt)} s, then one column "
        f"per source in units of the model's amplscale",
        "# columns: k " + " ".join(f"{c.node_a}-{c.node_b}" for c in cols),
    ]
    body = "\n".join(" ".join(map(str, row)) for row in table.tolist())
    ctx.inputs[file_name] = "\n".join(header) + "\n" + body + "\n"
    ports = [f"{c.node_a} {c.node_b}" for c in cols]
    lines = [
        f"* {len(cols)} noise sources (4 k T R per resistor, the opamps' input-referred noise),",
        f"* drawn from the seed, every {fmt(dt)} s, linearly interpolated: table {file_name}",
        "anoise %vd([",
    ]
    lines += [f"+ {p}" for p in ports]
    lines += ["+ ]) noisetab", f'.model noisetab filesource(file="{file_name}"']
    lines += ["+ amploffset=[" + " ".join("0" for _ in cols) + "]", "+ amplscale=["]
    lines += [f"+ {fmt(sc)}" for sc in scales]
    lines += [f"+ ] timescale={fmt(dt)} timeoffset=0 timerelative=false amplstep=false)"]
    return lines


def _flicker_f_max_hz(ctx: _Ctx) -> float:
    """Highest frequency at which the 1/f noise must be right (the engine's bound), Hz."""
    from ctdsm.models.noise import flicker_f_max_hz

    d = ctx.design
    f_chop = _chop_frequency_hz(d) if d.spec.chopper.enabled else None
    return flicker_f_max_hz(d.f0_hz, d.bw_hz, f_chop)


def _sample_grid_s(ctx: _Ctx) -> float:
    """Step of the breakpoint grid ``k dt`` (from t = 0) that holds every sampling instant."""
    T = ctx.period_s
    return T if abs(math.remainder(ctx.t0_s, T)) < 1e-6 * T else 0.5 * T


def _zap_window_s(period_s: float) -> float:
    """Length of an RTO half's zap window, s: the other half's reference window, at
    mid-swing.

    The zap switches share the gate of the other half's reference switches: they close when
    the other half connects, RETIME_S after this half's steering opened, and open when the
    other half disconnects, RETIME_S before this half's steering closes. (Zap edges of their
    own, as PULSE sources, cost 17 time points each in the middle of the open half, and about
    25 per clock even placed 150 ps from the DAC edges.)
    """
    return 0.5 * period_s - 2.0 * RETIME_S


def _pulse_window(design: Design) -> tuple[float, float]:
    """The first DAC's pulse ``[t0, t1]`` (clock periods), checked to be a full period."""
    tdac = np.asarray(design.tdac, dtype=float)
    if tdac.shape[0] != 2:
        raise SpecError("architecture", "the netlist supports one feedback DAC (tdac rows 2)")
    t0, t1 = float(tdac[1, 0]), float(tdac[1, 1])
    if abs((t1 - t0) - 1.0) > 1e-9 or not (0.0 <= t0 < 1.0):
        raise SpecError(
            "architecture.dac_pulse",
            f"the netlist needs an NRZ pulse [t0, t0 + 1] with 0 <= t0 < 1, got [{t0:g}, {t1:g}]",
        )
    return t0, t1


def _sign_nodes(coefficient: float, p: str, n: str) -> tuple[str, str]:
    """Source nodes in the order they connect to (vgp, vgn): crossed for a negative sign."""
    return (p, n) if coefficient > 0 else (n, p)


def _opamps(ctx: _Ctx, chopped: bool) -> tuple[list[str], list[str]]:
    """Opamp subcircuits and instances."""
    from ctdsm.sim.plant import FIRST_OPAMP_POLE2_RATIO

    d, imp = ctx.design, ctx.imp
    sz = d.sizing
    n = d.order
    # The engine treats "off" (None) as ideal; the netlist needs some opamp: 120 dB, 100 fs.
    a0 = 10 ** ((imp.opamp_dc_gain_db if imp.opamp_dc_gain_db is not None else 120.0) / 20)
    gbw = (imp.opamp_gbw_ratio if imp.opamp_gbw_ratio is not None else 100.0) * d.fs_hz
    xlim = d.spec.architecture.xlim
    # The engine's first rng draw is the first opamp's offset: the same value here.
    offset = (
        float(np.random.default_rng(int(ctx.rng_seed)).normal(0.0, imp.opamp_offset_v))
        if imp.opamp_offset_v
        else 0.0
    )
    subckts: list[str] = []
    inst: list[str] = []
    for i in range(n):
        lim = None if imp.saturation_ratio is None else imp.saturation_ratio * xlim * sz.k_x_v[i]
        p = OpampParams(
            name=f"opamp{i + 1}",
            dc_gain=a0,
            gbw_hz=gbw,
            pole2_hz=FIRST_OPAMP_POLE2_RATIO * gbw if i == 0 else None,
            out_limit_v=None if lim is None else float(lim),
            en_v_rthz=float(sz.opamp_en_v_rthz[i]) if ctx.noise else 0.0,
            flicker_corner_hz=imp.flicker_corner_hz if i == 0 else None,
            offset_v=offset if i == 0 else 0.0,
            chopped=chopped and i == 0,
            noise_dt_s=ctx.noise_dt_s,
            noise_pins=ctx.noise_table,
            switch=(ctx.nmos_template(), CHOP_SWITCH_W_M, ctx.dev.l_min_m) if i == 0 else None,
        )
        subckts += opamp_subckt(p)
        pins = f"vgp{i + 1} vgn{i + 1} xp{i + 1} xn{i + 1} cm"
        if p.en_v_rthz > 0 and p.noise_pins:
            pins += f" nzop{i + 1}a nzop{i + 1}b"
            ctx.noise_source(f"nzop{i + 1}a", f"nzop{i + 1}b", p.en_v_rthz**2, p.flicker_corner_hz)
        if p.chopped:
            pins += " chi chib cho chob"
        inst.append(f"xop{i + 1} {pins} opamp{i + 1}")
    return subckts, inst


def _integrators(ctx: _Ctx) -> list[str]:
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
        a, b = _sign_nodes(r.coefficient, sp, sn)
        tag = r.name.lower()
        lines += ctx.resistor(f"{tag}p", a, f"vgp{r.stage}", r.r_ohm)
        lines += ctx.resistor(f"{tag}n", b, f"vgn{r.stage}", r.r_ohm)
    return lines


def _later_dacs(ctx: _Ctx) -> list[str]:
    """Ideal DACs into the later integrators (FB form): ``+-k_u v/2`` through the resistor."""
    d = ctx.design
    sz = d.sizing
    lines: list[str] = []
    later = [r for r in sz.resistors if r.stage > 1 and r.source == "dac1"]
    if not later:
        return lines
    half = 0.5 * sz.k_u_v
    lines += [
        f"edacp dacp cm vcode 0 {fmt(half)}",
        f"edacn dacn cm vcode 0 {fmt(-half)}",
    ]
    for r in later:
        a, b = _sign_nodes(r.coefficient, "dacp", "dacn")
        tag = r.name.lower()
        lines += ctx.resistor(f"{tag}p", a, f"vgp{r.stage}", r.r_ohm)
        lines += ctx.resistor(f"{tag}n", b, f"vgn{r.stage}", r.r_ohm)
    return lines


def _references(ctx: _Ctx, phys: Any) -> list[str]:
    """Reference rails with the DAC physics' output resistance and decoupling."""
    refp = ctx.vcm_v + 0.5 * ctx.v_fs_v
    refn = ctx.vcm_v - 0.5 * ctx.v_fs_v
    return [
        f"vrefp refp_s 0 dc {fmt(refp)}",
        f"rrefp refp_s refp {fmt(phys.ref_r_ohm)}",
        f"cdecp refp 0 {fmt(phys.ref_c_f)}",
        f"vrefn refn_s 0 dc {fmt(refn)}",
        f"rrefn refn_s refn {fmt(phys.ref_r_ohm)}",
        f"cdecn refn 0 {fmt(phys.ref_c_f)}",
    ]


def _unit_weights(ctx: _Ctx, units: int) -> np.ndarray:
    """Relative conductance of each unit element (mismatch from the seed, mean 1)."""
    sigma = ctx.imp.dac_mismatch_sigma
    if not sigma or units < 2:
        return np.ones(units)
    w = 1.0 + ctx.rng.normal(0.0, sigma, units)
    return w * units / w.sum()


def _steering(
    ctx: _Ctx, x: str, g: str, gb: str, vgs: tuple[str, str], w_n: float, c_node_f: float
) -> list[str]:
    """The four NMOS steering switches of one element's switch nodes ``{x}sp``/``{x}sn``
    (gate ``g`` steers P to the first virtual ground and N to the second, ``gb`` the other way
    round) and the nodes' parasitic capacitance: shared by vgs_r and the RTO sub-DACs."""
    vg_plus, vg_minus = vgs
    l_m = ctx.dev.l_min_m
    return [
        ctx.nmos(f"{x}a", f"{x}sp", g, vg_plus, w_n, l_m),
        ctx.nmos(f"{x}b", f"{x}sp", gb, vg_minus, w_n, l_m),
        ctx.nmos(f"{x}c", f"{x}sn", g, vg_minus, w_n, l_m),
        ctx.nmos(f"{x}d", f"{x}sn", gb, vg_plus, w_n, l_m),
        f"c{x}sp {x}sp 0 {fmt(c_node_f)}",
        f"c{x}sn {x}sn 0 {fmt(c_node_f)}",
    ]


def _first_dac(
    ctx: _Ctx, elements: list[str], elements_b: list[str], phases: dict[str, str]
) -> list[str]:
    """The first integrator's DAC: one unit element per data node (analog gate nodes)."""
    from ctdsm.models.dac import MU_N_COX, MU_P_COX, VT_V, dac_physics

    d = ctx.design
    sz = d.sizing
    kind = d.spec.dac.type
    r_u = float(sz.dac_unit_r_ohm)
    phys = dac_physics(kind, r_u, ctx.v_fs_v, d.spec.process.vdd_v)
    coef = next(r.coefficient for r in sz.resistors if r.stage == 1 and r.source == "dac1")
    l_m = ctx.dev.l_min_m
    # W/L for R_on,n in deep triode at full drive (the dac_physics design rule).
    wl = 1.0 / (MU_N_COX * (d.spec.process.vdd_v - VT_V) * phys.r_on_n_ohm)
    w_n = wl * l_m
    w_p = 2.5 * w_n
    # Zap switch: only has to reset C_f within the zap window (R_zap C_f = window / ZAP_TAUS
    # at full drive), not to carry the element's current: far narrower than the steering.
    r_zap = _zap_window_s(ctx.period_s) / (ZAP_TAUS * phys.c_float_f)
    w_zap = min(w_n, l_m / (MU_N_COX * (d.spec.process.vdd_v - VT_V) * r_zap))
    # Series switch resistance at the netlist's operating point (square law, triode, the
    # switches' sources at their rail or at V_cm): the unit resistor is trimmed by it so that
    # each half's full path is R_u, as the engine's sizing assumes (a designer sizes R_u for
    # the full-scale current). Nominal R_on,n would leave the DAC 5-10 % short.
    vdd_sw = d.spec.process.vdd_v
    k_n, k_p = MU_N_COX * wl, MU_P_COX * w_p / l_m
    vrefp, vrefn = ctx.vcm_v + 0.5 * ctx.v_fs_v, ctx.vcm_v - 0.5 * ctx.v_fs_v

    def vt(v_sb: float) -> float:  # threshold with the body effect (bulk at a rail)
        return VT_V + BODY_GAMMA_SQRT_V * (math.sqrt(PHI_2F_V + v_sb) - math.sqrt(PHI_2F_V))

    def r_nmos(v_source: float) -> float:
        return 1.0 / (k_n * max(vdd_sw - v_source - vt(v_source), 1e-3))

    def r_pmos(v_source: float) -> float:  # gate at 0, bulk at VDD
        return 1.0 / (k_p * max(v_source - vt(vdd_sw - v_source), 1e-3))

    def r_tg(v: float) -> float:  # NMOS and PMOS in parallel at node voltage v
        return 1.0 / (k_n * max(vdd_sw - v - vt(v), 0.0) + 1.0 / r_pmos(v))

    r_steer = r_nmos(ctx.vcm_v)
    lines = _references(ctx, phys)
    lines.append(
        f"* {kind}: {len(elements)} unit(s), R_u {fmt(r_u)} ohm per half, "
        f"R_on,n {fmt(phys.r_on_n_ohm)}"
        f" ohm (W {fmt(w_n)} m, L {fmt(l_m)} m), node C {fmt(phys.c_sw_f)} F"
    )
    weights = _unit_weights(ctx, len(elements))
    vg_plus, vg_minus = _sign_nodes(coef, "vgp1", "vgn1")
    for k, (g, gb) in enumerate(zip(elements, elements_b, strict=True)):
        r_el = r_u / weights[k]
        e = f"u{k}"
        if kind == "vgs_r":
            r = r_el - r_steer
            lines += ctx.resistor(f"{e}p", "refp", f"{e}sp", r)
            lines += ctx.resistor(f"{e}n", "refn", f"{e}sn", r)
            lines += _steering(ctx, e, g, gb, (vg_plus, vg_minus), w_n, phys.c_sw_f)
        elif kind == "r_dac":
            # Each inverter spends half the time high (PMOS from VREFP), half low.
            r = r_el - 0.5 * (r_pmos(vrefp) + r_nmos(vrefn))
            # P half: high (VREFP) for data 1, so its inverter input is the complement.
            lines += [
                ctx.pmos(f"{e}pp", f"{e}op", gb, "refp", w_p, l_m),
                ctx.nmos(f"{e}pn", f"{e}op", gb, "refn", w_n, l_m),
                ctx.pmos(f"{e}np", f"{e}on", g, "refp", w_p, l_m),
                ctx.nmos(f"{e}nn", f"{e}on", g, "refn", w_n, l_m),
                f"c{e}op {e}op 0 {fmt(phys.c_node_f)}",
                f"c{e}on {e}on 0 {fmt(phys.c_node_f)}",
            ]
            lines += ctx.resistor(f"{e}p", f"{e}op", vg_plus, r)
            lines += ctx.resistor(f"{e}n", f"{e}on", vg_minus, r)
        else:  # dual_rto / zapped_dual_rto: g, gb are the per-half gate nodes "a|b"
            zapped = kind == "zapped_dual_rto"
            r_p = r_el - r_tg(vrefp) - r_steer
            r_n = r_el - r_nmos(vrefn) - r_steer
            for h in ("a", "b"):
                on, on_b = phases[f"ph{h}"], phases[f"ph{h}b"]
                gh, ghb = f"{g}{h}", f"{gb}{h}"
                x = f"{e}{h}"
                lines += [
                    # Reference switches: a transmission gate to VREFP, an NMOS to VREFN.
                    # (A PMOS alone ran 14 % faster but, about twice as resistive in BSIM3
                    # as the square-law trim assumes, left the DAC 9 % short.)
                    ctx.nmos(f"{x}rpn", "refp", on, f"{x}rp", w_n, l_m),
                    ctx.pmos(f"{x}rpp", "refp", on_b, f"{x}rp", w_p, l_m),
                    ctx.nmos(f"{x}rn", "refn", on, f"{x}rn", w_n, l_m),
                ]
                lines += ctx.resistor(f"{x}p", f"{x}rp", f"{x}sp", r_p)
                lines += ctx.resistor(f"{x}n", f"{x}rn", f"{x}sn", r_n)
                lines += _steering(ctx, x, gh, ghb, (vg_plus, vg_minus), w_n, phys.c_float_f)
                if zapped:
                    z = phases[f"zap{h}"]
                    lines += [
                        ctx.nmos(f"{x}zp", f"{x}sp", z, "cm", w_zap, l_m),
                        ctx.nmos(f"{x}zn", f"{x}sn", z, "cm", w_zap, l_m),
                    ]
    return lines


def _quantizer_input(ctx: _Ctx) -> list[str]:
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


def _clocks_and_logic(
    ctx: _Ctx, t0: float
) -> tuple[list[str], list[str], list[str], dict[str, str]]:
    """Clocks, comparators, latches, DWA and drivers.

    Every switch gate of the first DAC is driven by a ``dac_bridge`` whose inputs change in
    one event per clock edge: the logic that computes them (DWA, the RTO halves' data) settles
    on an early clock and is retimed (or gated) on the late one. That keeps the DAC free of
    logic glitches and hazards (which would be data-dependent partial switch pulses) and
    gives the simulator one breakpoint per edge instead of one per gate delay.

    Returns the lines, the analog gate nodes of the elements and of their complements, and
    the RTO/zap phase nodes.
    """
    from ctdsm.sim.engine import static_errors

    d = ctx.design
    T = ctx.period_s
    levels = d.levels
    units = max(levels - 1, 1)
    kind = d.spec.dac.type
    rto = kind in ("dual_rto", "zapped_dual_rto")
    vdd = ctx.vdd_v
    lines = digital.model_lines(vdd, EDGE_S, RETIME_S)
    # The gates' edge is centred on the analog instant it stands for: a dac_bridge starts its
    # ramp at the event, the gate events come a bridge, a retime buffer and a gate after
    # the clock source's mid-edge.
    gate_path_s = digital.GATE_DELAY_S if rto else digital.LATCH_DELAY_S + digital.BRIDGE_DELAY_S
    lead = 0.5 * EDGE_S + gate_path_s + RETIME_S + digital.BRIDGE_DELAY_S
    if rto and t0 <= 0:
        raise SpecError("architecture.eld", "a dual RTO DAC needs a loop delay t0 > 0")
    sigma = float(ctx.imp.jitter_rms_s or 0.0)
    clocks: list[digital.Clock] = []
    if t0 > 0:
        # DAC clock: early copy "dclke" (data retimed on it), late copy "dclk" (gates), high on
        # [t_n + t0 T, t_n + t0 T + T/2) at the gates; its events come where a bridge would
        # put them. Its complement comes from the same source: through an inverter, half B's
        # reference gates would open a gate delay after half A's, 2 ps off the steering edge,
        # and each such near-miss of two breakpoints costs about 10 tiny time steps.
        first = ctx.t0_s + t0 * T - lead + digital.BRIDGE_DELAY_S
        clocks.append(digital.Clock("dclke", first, 0.5 * T, sigma, complement="dclke_n"))
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
    # Comparator offsets (one LSB = 2 units) from the seed's static draws.
    off, _, _ = static_errors(ctx.imp, levels, np.random.default_rng([ctx.rng_seed, 1]))
    thr = [-(units - 1) + 2.0 * k + float(off[k]) for k in range(units)]
    lines += digital.comparator_lines("y", thr, "clk")
    # Start on the code of a zero quantizer input: m0 elements high (the DWA pointer at 0).
    m0 = sum(1 for x in thr if x < 0)
    start_latch = digital.start_latch  # the latch model for an initial state
    data = [f"t{k}" for k in range(units)]
    # Retiming for the loop delay: the DAC data changes at t_n + t0 T (on the early clock).
    if t0 > 0:
        for k in range(units):
            lines.append(f"art{k} t{k} dclke null null r{k} rb{k} {start_latch(k < m0)}")
        data = [f"r{k}" for k in range(units)]
    # Element selection.
    if d.spec.dac.dem == "dwa" and units > 1:
        clk_sel = "dclke" if t0 > 0 else "clk"
        try:
            dwa, data = digital.dwa_lines(data, clk_sel)
        except ValueError as exc:
            raise SpecError("dac.dem", str(exc)) from None
        lines += dwa
    phases: dict[str, str] = {}
    gates, gates_b = [f"g{k}" for k in range(units)], [f"gb{k}" for k in range(units)]
    if rto:
        # Half A connected on [t_n + t0, t_n + t0 + T/2) (dclk high) with the data "ra", half B
        # on the second half (dclk low) with "rb", a copy of "ra" taken on the early clock's
        # falling edge: each half's data is steady through its window, so gating it with the
        # late clock switches both steering gates of a half in one event.
        for k in range(units):
            lines += [
                f"arb{k} {data[k]} dclke_n null null {data[k]}_hb {data[k]}_hbn "
                f"{start_latch(k < m0)}",
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
        phases.update(pha="pha", phab="phab", phb="phb", phbb="phbb")
        sources = {"a": ("dclk", "_t", "_b"), "b": ("dclk_n", "_hb", "_hbn")}
        # Zap: a half's zap switches close with the other half's reference switches.
        phases.update(zapa="phb", zapb="pha")
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
        # The DAC's code (later DACs, the quantizer's direct path, the output): the sum of
        # the halves' steering enables, so that it moves with the steering gates.
        dac_data = [f"e{k}{h}" for k in range(units) for h in ("a", "b")]
    else:
        # Retime the selected elements on the late sampling clock: the latch's Q and Q-bar
        # change together, so the two switches of a steering pair switch at the same instant.
        # (With a loop delay the late DAC clock is that copy; without one, the DAC switches
        # RETIME_S plus a latch and half an edge after t_n: about 0.002 T at 20 MHz.)
        if t0 > 0:
            clk_gate = "dclk"
        else:
            # The DAC's own clock, RETIME_S after the sampling instant, with the jitter.
            clk_gate = "clk_r"
            clocks.append(digital.Clock("clk_r", ctx.t0_s + RETIME_S, 0.5 * T, sigma))
        for k in range(units):
            lines.append(f"agl{k} {data[k]} {clk_gate} null null q{k} qb{k} {start_latch(k < m0)}")
        lines.append(
            f"adrv [{' '.join(f'q{k} qb{k}' for k in range(units))}] "
            f"[{' '.join(f'g{k} gb{k}' for k in range(units))}] gate_drv"
        )
        dac_data = [f"q{k}" for k in range(units)]
    # One bridge on the gate drivers' events, with their edges: no breakpoints of its own.
    analog = [f"da{k}" for k in range(len(dac_data))]
    lines.append(f"avc [{' '.join(dac_data)}] [{' '.join(analog)}] code_drv")
    lines.append(f"bvc vcode 0 v=2*({'+'.join(f'v({a})' for a in analog)})-{units}")
    lines += _clock_source(ctx, clocks)
    return lines, gates, gates_b, phases


def _chop_frequency_hz(d: Design) -> float:
    """The chopping frequency of ``chopper.f_chop_hz`` (``auto``: the engine's choice), Hz."""
    from ctdsm.models.chopper import spec_chop_frequency_hz

    return spec_chop_frequency_hz(d.spec.chopper.f_chop_hz, d.fs_hz, d.bw_hz, d.f0_hz)


def _chopper_clocks(ctx: _Ctx) -> list[str]:
    """Chopper gate phases: straight switches on while c = +1, crossed while c = -1."""
    from ctdsm.models.chopper import half_period_cycles

    d = ctx.design
    ch = d.spec.chopper
    f_chop = _chop_frequency_hz(d)
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
        _pulse("chi", "chi", vdd, start - 2 * half_s, half_s, 2 * half_s),
        _pulse("chib", "chib", vdd, start - half_s, half_s, 2 * half_s),
        _pulse("cho", "cho", vdd, start - 2 * half_s + skew, half_s, 2 * half_s),
        _pulse("chob", "chob", vdd, start - half_s + skew, half_s, 2 * half_s),
    ]


# ------------------------------------------------------------------------------- public


def build_netlist(
    design: Design,
    *,
    n_cycles: int,
    amplitude_dbfs: float | None = None,
    fin_hz: float | None = None,
    seed: int | None = None,
    pdk_root: str | os.PathLike[str] | None = None,
    corner: str = "typical",
    temp_c: float | None = None,
    noise_source: str = "trnoise",
) -> Netlist:
    """The ngspice netlist of ``design`` for a closed-loop run of ``n_cycles`` clocks.

    Parameters
    ----------
    design : Design
    n_cycles : int
        Clock cycles to simulate (>= 16).
    amplitude_dbfs : float, optional
        Input amplitude relative to the DAC full scale (default ``simulation.amplitude_dbfs``).
    fin_hz : float, optional
        Input frequency, Hz (default the engine's coherent test frequency for ``n_cycles``).
    seed : int, optional
        Seed of the drawn parameters: the first opamp's offset (the engine's first draw, the
        same value), comparator offsets and element mismatch (default ``simulation.seed``).
    pdk_root : path-like, optional
        PDK root for ``process.pdk = gf180mcu`` (default ``$PDK_ROOT``).
    corner : {"typical", "ff", "ss", "fs", "sf"}
        Process corner.
    temp_c : float, optional
        Temperature, degC (default ``process.temp_c``).
    noise_source : {"trnoise", "table"}
        Thermal and 1/f noise as ngspice ``trnoise`` sources (not seedable: each run draws
        anew) or as one ``filesource`` playing a table drawn from ``seed``
        (``<name>_noise.txt``, one of :attr:`Netlist.inputs`): repeatable runs, and the same
        density (docs/spice.md).

    Returns
    -------
    Netlist

    Raises
    ------
    SpecError
        Unsupported structure (more than one DAC, a non-NRZ pulse, DWA on a non-power-of-two
        element count, a chopping frequency off the clock grid), unknown PDK/corner, missing
        PDK, references above the supply.
    CtdsmError
        ``n_cycles`` too small.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from ctdsm.models.impairments import resolve_impairments
    from ctdsm.process import devices, model_lines, spiceinit_lines

    if noise_source not in NOISE_SOURCES:
        raise CtdsmError(f"noise_source: {noise_source!r} is not one of {', '.join(NOISE_SOURCES)}")
    n_cycles = int(n_cycles)
    if n_cycles < 16:
        raise CtdsmError(f"n_cycles: {n_cycles} is too short (at least 16)")
    spec = design.spec
    sim = spec.simulation
    amplitude_dbfs = float(sim.amplitude_dbfs if amplitude_dbfs is None else amplitude_dbfs)
    seed = int(sim.seed if seed is None else seed)
    temp_c = float(spec.process.temp_c if temp_c is None else temp_c)
    pdk = spec.process.pdk
    fs, bw = design.fs_hz, design.bw_hz
    if fin_hz is None:
        fin_hz = design.test_frequency(n_cycles)
    fin_hz = float(fin_hz)
    t0, _ = _pulse_window(design)
    # The DAC takes the code t0 T after the decision (plus a gate path of ~0.1 ns): read it
    # at the multiple of T/2 nearest to the middle of its period.
    read_delay_s = round(2.0 * t0 + 1.0) * 0.5 / fs
    dev = devices(pdk)
    models = model_lines(pdk, corner, pdk_root=pdk_root)
    imp = resolve_impairments(spec.impairments.to_engine())
    vdd = dev.vdd_max_v if pdk == "gf180mcu" else float(spec.process.vdd_v)
    v_fs = float(spec.target.full_scale_v)
    vcm = 0.5 * v_fs  # VREFN at ground: the references are 0 and V_fs
    if v_fs >= vdd:
        raise SpecError(
            "target.full_scale_v", f"{v_fs:g} V references do not fit a {vdd:g} V supply"
        )
    T = 1.0 / fs
    # First sampling instant T/2 or T, whichever puts the first DAC's edges nearer the noise
    # sources' sample grid k T (each trnoise sample is a simulator breakpoint: sharing the
    # DAC edges' saves a cluster of small steps, 14 of the multi-bit netlist's 80 per clock).
    t_first_s = min((0.5 * T, T), key=lambda ts: abs(math.remainder(ts + t0 * T, T)))
    ctx = _Ctx(
        design=design,
        imp=imp,
        pdk=pdk,
        dev=dev,
        vdd_v=vdd,
        vcm_v=vcm,
        v_fs_v=v_fs,
        period_s=T,
        t0_s=t_first_s,
        temp_k=temp_c + 273.15,
        noise=bool(imp.thermal_noise),
        noise_dt_s=T,  # one noise sample per clock (white to fs/4); fewer breakpoints
        noise_table=noise_source == "table",
        rng=np.random.default_rng([seed, 2]),
        rng_seed=seed,
        # Half a period past the last read, so that its row is written.
        t_stop_s=t_first_s + (n_cycles - 0.5) * T + read_delay_s,
    )
    chopped = bool(spec.chopper.enabled)
    sz = design.sizing
    amp_v = v_fs * 10 ** (amplitude_dbfs / 20)

    logic, gates, gates_b, phases = _clocks_and_logic(ctx, t0)
    subckts, opamp_inst = _opamps(ctx, chopped)
    sections = [
        {"title": f"process models ({pdk}, {corner})", "lines": models},
        {"title": "opamp macromodels", "lines": subckts},
        {
            "title": "supplies, common mode, input",
            "lines": [
                f"vvdd vdd 0 dc {fmt(vdd)}",
                f"vcm cm 0 dc {fmt(vcm)}",
                f"* differential sine {fmt(amp_v)} V peak ({fmt(amplitude_dbfs)} dBFS) "
                f"at {fmt(fin_hz)} Hz",
                f"vinp inp cm sin(0 {fmt(0.5 * amp_v)} {fmt(fin_hz)} {fmt(ctx.t0_s)} 0 0)",
                f"vinn inn cm sin(0 {fmt(-0.5 * amp_v)} {fmt(fin_hz)} {fmt(ctx.t0_s)} 0 0)",
            ],
        },
        {
            "title": "loop filter: opamps, capacitors, resistors",
            "lines": opamp_inst + _integrators(ctx),
        },
        {"title": f"first DAC ({spec.dac.type})", "lines": _first_dac(ctx, gates, gates_b, phases)},
    ]
    later = _later_dacs(ctx)
    if later:
        sections.append({"title": "later DACs (ideal, as in the engine)", "lines": later})
    if chopped:
        sections.append({"title": "chopper clocks", "lines": _chopper_clocks(ctx)})
    sections += [
        {"title": "quantizer input", "lines": _quantizer_input(ctx)},
        {"title": "clocks, quantizer, latches, element selection, drivers", "lines": logic},
    ]
    noise = _noise_source(ctx)
    if noise:
        sections.append({"title": "noise sources", "lines": noise})
    vectors = ["v(vcode)"] + [f"v(xp{i + 1},xn{i + 1})" for i in range(design.order)]
    summary = [
        f"{design.order}th-order {design.form} {design.levels}-level, fs {fmt(fs)} Hz, "
        f"bw {fmt(bw)} Hz, ELD {fmt(design.eld)} T, DAC {spec.dac.type}, DEM {spec.dac.dem}, "
        f"chopper {'on' if chopped else 'off'}",
        f"{n_cycles} clock cycles, seed {seed}, {pdk} {corner}, {fmt(temp_c)} degC, "
        f"thermal noise "
        + (("on, " + ("seeded table" if ctx.noise_table else "trnoise")) if ctx.noise else "off"),
        f"VDD {fmt(vdd)} V, VREFN {fmt(vcm - 0.5 * v_fs)} V, VREFP {fmt(vcm + 0.5 * v_fs)} V, "
        f"common mode {fmt(vcm)} V",
    ]
    env = Environment(
        loader=PackageLoader("ctdsm", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        autoescape=False,
    )
    text = env.get_template("netlist.cir.j2").render(
        name=design.name,
        title=spec.description or design.name,
        summary=summary,
        sections=sections,
        options=" ".join(
            [SPICE_OPTIONS]
            + ([f"chgtol={fmt(chgtol)}"] if (chgtol := _chgtol_c(pdk, spec.dac.type)) else [])
            + [f"temp={fmt(temp_c)}"]
        ),
        tstep=fmt(0.5 * T),
        tstop=fmt(ctx.t_stop_s),
        output_file=OUTPUT_FILE,
        vectors=vectors,
        ic=[
            f"v({node}{i + 1})={fmt(vcm)}"
            for i in range(design.order)
            for node in ("vgp", "vgn", "xp", "xn")
        ]
        + [
            f"v(refp)={fmt(vcm + 0.5 * v_fs)}",
            f"v(refn)={fmt(vcm - 0.5 * v_fs)}",
            f"v(cm)={fmt(vcm)}",
        ],
    )
    files: tuple[str, ...] = ()
    if pdk == "gf180mcu":
        from ctdsm.process import gf180mcu_paths

        files = tuple(str(p) for p in gf180mcu_paths(pdk_root))
    return Netlist(
        text=text,
        name=design.name,
        fs_hz=fs,
        t_first_sample_s=ctx.t0_s,
        read_delay_s=read_delay_s,
        t_stop_s=ctx.t_stop_s,
        n_cycles=n_cycles,
        fin_hz=fin_hz,
        amplitude_dbfs=amplitude_dbfs,
        seed=seed,
        levels=design.levels,
        output_file=OUTPUT_FILE,
        code_vector="v(vcode)",
        state_vectors=tuple(vectors[1:]),
        k_x_v=tuple(float(k) for k in sz.k_x_v),
        pdk=pdk,
        corner=corner,
        temp_c=temp_c,
        files=files,
        spiceinit=tuple(spiceinit_lines(pdk)),
        inputs=tuple(sorted(ctx.inputs.items())),
    )


def write_netlist(netlist: Netlist, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``<name>.cir``, its input files and ``.spiceinit`` (when the PDK needs it),
    each atomically.

    Returns
    -------
    pathlib.Path
        The netlist file.
    """
    from ctdsm.io import atomic_write_text, prepare_output_dir

    out = prepare_output_dir(out_dir)
    if netlist.spiceinit:
        atomic_write_text(out / ".spiceinit", "\n".join(netlist.spiceinit) + "\n")
    for name, text in netlist.inputs:
        atomic_write_text(out / name, text)
    return atomic_write_text(out / netlist.filename, netlist.text)
