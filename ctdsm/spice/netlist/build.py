"""Assembly of a netlist: :func:`build_netlist` and :func:`write_netlist`.

The sections (:mod:`~ctdsm.spice.netlist.integrators`, :mod:`~ctdsm.spice.netlist.dacs`,
:mod:`~ctdsm.spice.netlist.logic`, the noise table of :mod:`~ctdsm.spice.netlist.context`)
are built in a fixed order, because they draw from the seed and collect noise-table columns
as they go, and rendered through the ``netlist.cir.j2`` template.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined

from ctdsm.design.record import Design
from ctdsm.errors import CtdsmError, SpecError
from ctdsm.io import commit_run, safe_name
from ctdsm.models.impairments import resolve_impairments
from ctdsm.spice.macromodels import fmt
from ctdsm.spice.netlist.context import NOISE_SOURCES, NetlistContext, noise_table_lines
from ctdsm.spice.netlist.dacs import first_dac, later_dacs, pulse_window
from ctdsm.spice.netlist.integrators import integrators, opamps
from ctdsm.spice.netlist.logic import chopper_clocks, clocks_and_logic, quantizer_input
from ctdsm.spice.netlist.record import Netlist
from ctdsm.spice.process import DeviceSet, devices, gf180mcu_paths, model_lines, spiceinit_lines

__all__ = [
    "OUTPUT_FILE",
    "SPICE_OPTIONS",
    "CHGTOL_C",
    "build_netlist",
    "write_netlist",
]

OUTPUT_FILE = "code.txt"
#: Simulator options: ngspice defaults (trapezoidal, reltol 1e-3), output interpolated to the
#: clock grid, device bypass (a device whose terminal voltages did not move is not
#: re-evaluated: 10 % faster, same SNDR); tighter reltol was 3x slower (docs/spice.md).
SPICE_OPTIONS = "interp bypass=1"
#: Charge tolerance per first-DAC type, C (others: ngspice's 1e-14). The dual-RTO switches
#: are wide (R_on = R_u / 50) and their gate charge sets the step inside every gate ramp.
#: On the first single-bit seed (120 ohm units, 32 MHz; seeded noise table, 2^14 cycles)
#: 1e-12 read 101.78 / 102.23 dB against 101.79 / 101.83 dB at 1e-13 and 1.6x faster. The
#: re-derived seed (606 ohm units, switches 5x narrower, 64 MHz) needs 1e-13: noise-free,
#: 8192 cycles, 1e-12 read 104.8 dB (THD -114.8 dB) and 1e-13 114.7 dB (-128.9 dB) in 58 s.
#: The multi-bit netlist stays at the default: 1e-13 cost it 1.1 dB (docs/spice.md).
CHGTOL_C = {"dual_rto": 1e-13, "zapped_dual_rto": 1e-13}


def _chgtol_c(dac_type: str) -> float | None:
    """Charge tolerance of a netlist, C (None: ngspice's default). One value serves both
    processes: on GF180MCU 1e-12 had cost the first single-bit seed 1.0 dB against 1e-13."""
    return CHGTOL_C.get(dac_type)


@dataclass(frozen=True)
class _Run:
    """The arguments of :func:`build_netlist`, checked and with the spec's defaults."""

    n_cycles: int
    amplitude_dbfs: float
    fin_hz: float
    seed: int
    temp_c: float
    pdk: str
    corner: str
    noise_source: str


class _Section(NamedTuple):
    """One titled block of the netlist template."""

    title: str
    lines: list[str]


def _resolve_run(
    design: Design,
    n_cycles: int,
    amplitude_dbfs: float | None,
    fin_hz: float | None,
    seed: int | None,
    temp_c: float | None,
    corner: str,
    noise_source: str,
) -> _Run:
    """Check the arguments and fill the defaults from the spec.

    Raises
    ------
    CtdsmError
        An unknown ``noise_source``, ``n_cycles`` below 16.
    """
    if noise_source not in NOISE_SOURCES:
        raise CtdsmError(f"noise_source: {noise_source!r} is not one of {', '.join(NOISE_SOURCES)}")
    n_cycles = int(n_cycles)
    if n_cycles < 16:
        raise CtdsmError(f"n_cycles: {n_cycles} is too short (at least 16)")
    spec = design.spec
    sim = spec.simulation
    return _Run(
        n_cycles=n_cycles,
        amplitude_dbfs=float(sim.amplitude_dbfs if amplitude_dbfs is None else amplitude_dbfs),
        seed=int(sim.seed if seed is None else seed),
        temp_c=float(spec.process.temp_c if temp_c is None else temp_c),
        pdk=spec.process.pdk,
        fin_hz=float(design.test_frequency(n_cycles) if fin_hz is None else fin_hz),
        corner=corner,
        noise_source=noise_source,
    )


def _context(
    design: Design, run: _Run, dev: DeviceSet, t0: float, read_delay_s: float
) -> NetlistContext:
    """The shared context: supplies, timing, noise and the seeded streams.

    Raises
    ------
    SpecError
        (``target.full_scale_v``) references that do not fit the supply.
    """
    spec = design.spec
    imp = resolve_impairments(spec.impairments.to_engine())
    vdd = dev.vdd_max_v if run.pdk == "gf180mcu" else float(spec.process.vdd_v)
    v_fs = design.sizing.full_scale_v  # the resolved target.full_scale_v
    if v_fs >= vdd:
        raise SpecError(
            "target.full_scale_v", f"{v_fs:g} V references do not fit a {vdd:g} V supply"
        )
    T = 1.0 / design.fs_hz
    # First sampling instant T/2 or T, whichever puts the first DAC's edges nearer the noise
    # sources' sample grid k T (each trnoise sample is a simulator breakpoint: sharing the
    # DAC edges' saves a cluster of small steps, 14 of the multi-bit netlist's 80 per clock).
    t_first_s = min((0.5 * T, T), key=lambda ts: abs(math.remainder(ts + t0 * T, T)))
    return NetlistContext(
        design=design,
        imp=imp,
        pdk=run.pdk,
        dev=dev,
        vdd_v=vdd,
        vcm_v=0.5 * v_fs,  # VREFN at ground: the references are 0 and V_fs
        v_fs_v=v_fs,
        period_s=T,
        t0_s=t_first_s,
        temp_k=run.temp_c + 273.15,
        noise=bool(imp.thermal_noise),
        noise_dt_s=T,  # one noise sample per clock (white to fs/4); fewer breakpoints
        noise_table=run.noise_source == "table",
        rng=np.random.default_rng([run.seed, 2]),
        rng_seed=run.seed,
        # Half a period past the last read, so that its row is written.
        t_stop_s=t_first_s + (run.n_cycles - 0.5) * T + read_delay_s,
    )


def _supplies_and_input(ctx: NetlistContext, run: _Run) -> list[str]:
    """Supply, common mode and the differential input sine."""
    amp_v = ctx.v_fs_v * 10 ** (run.amplitude_dbfs / 20)
    fin, t0 = fmt(run.fin_hz), fmt(ctx.t0_s)
    return [
        f"vvdd vdd 0 dc {fmt(ctx.vdd_v)}",
        f"vcm cm 0 dc {fmt(ctx.vcm_v)}",
        f"* differential sine {fmt(amp_v)} V peak ({fmt(run.amplitude_dbfs)} dBFS) at {fin} Hz",
        f"vinp inp cm sin(0 {fmt(0.5 * amp_v)} {fin} {t0} 0 0)",
        f"vinn inn cm sin(0 {fmt(-0.5 * amp_v)} {fin} {t0} 0 0)",
    ]


def _sections(ctx: NetlistContext, run: _Run, models: list[str], t0: float) -> list[_Section]:
    """Every section, built in the order that fixes the seeded draws and noise columns."""
    spec = ctx.design.spec
    chopped = bool(spec.chopper.enabled)
    logic = clocks_and_logic(ctx, t0)
    subckts, opamp_inst = opamps(ctx, chopped)
    sections = [
        _Section(f"process models ({run.pdk}, {run.corner})", models),
        _Section("opamp macromodels", subckts),
        _Section("supplies, common mode, input", _supplies_and_input(ctx, run)),
        _Section("loop filter: opamps, capacitors, resistors", opamp_inst + integrators(ctx)),
        _Section(
            f"first DAC ({spec.dac.type})",
            first_dac(ctx, logic.gates, logic.gates_b, logic.phases),
        ),
    ]
    later = later_dacs(ctx)
    if later:
        sections.append(_Section("later DACs (ideal, as in the engine)", later))
    if chopped:
        sections.append(_Section("chopper clocks", chopper_clocks(ctx)))
    sections += [
        _Section("quantizer input", quantizer_input(ctx)),
        _Section("clocks, quantizer, latches, element selection, drivers", logic.lines),
    ]
    noise = noise_table_lines(ctx)  # last: every other section has added its columns
    if noise:
        sections.append(_Section("noise sources", noise))
    return sections


def _summary(ctx: NetlistContext, run: _Run) -> list[str]:
    """The header comment: structure, run, supplies."""
    d = ctx.design
    spec = d.spec
    vcm, v_fs = ctx.vcm_v, ctx.v_fs_v
    noise = ("on, " + ("seeded table" if ctx.noise_table else "trnoise")) if ctx.noise else "off"
    return [
        f"{d.order}th-order {d.form} {d.levels}-level, fs {fmt(d.fs_hz)} Hz, "
        f"bw {fmt(d.bw_hz)} Hz, ELD {fmt(d.eld)} T, DAC {spec.dac.type}, DEM {spec.dac.dem}, "
        f"chopper {'on' if spec.chopper.enabled else 'off'}",
        f"{run.n_cycles} clock cycles, seed {run.seed}, {run.pdk} {run.corner}, "
        f"{fmt(run.temp_c)} degC, thermal noise {noise}",
        f"VDD {fmt(ctx.vdd_v)} V, VREFN {fmt(vcm - 0.5 * v_fs)} V, "
        f"VREFP {fmt(vcm + 0.5 * v_fs)} V, common mode {fmt(vcm)} V",
    ]


def _vectors(design: Design) -> list[str]:
    """The columns ``wrdata`` writes: the code, then each integrator's output."""
    return ["v(vcode)"] + [f"v(xp{i + 1},xn{i + 1})" for i in range(design.order)]


def _render(ctx: NetlistContext, run: _Run, sections: list[_Section]) -> str:
    """The netlist text from the ``netlist.cir.j2`` template."""
    d = ctx.design
    vcm, v_fs = ctx.vcm_v, ctx.v_fs_v
    chgtol = _chgtol_c(d.spec.dac.type)
    options = [SPICE_OPTIONS] + ([f"chgtol={fmt(chgtol)}"] if chgtol else [])
    # Start from the reset state: integrators discharged, references at their rails.
    nodes = ("vgp", "vgn", "xp", "xn")
    ic = [f"v({node}{i + 1})={fmt(vcm)}" for i in range(d.order) for node in nodes]
    ic += [
        f"v(refp)={fmt(vcm + 0.5 * v_fs)}",
        f"v(refn)={fmt(vcm - 0.5 * v_fs)}",
        f"v(cm)={fmt(vcm)}",
    ]
    env = Environment(
        loader=PackageLoader("ctdsm", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        autoescape=False,
    )
    return env.get_template("netlist.cir.j2").render(
        name=d.name,
        title=d.spec.description or d.name,
        summary=_summary(ctx, run),
        sections=sections,
        options=" ".join(options + [f"temp={fmt(run.temp_c)}"]),
        tstep=fmt(0.5 * ctx.period_s),
        tstop=fmt(ctx.t_stop_s),
        output_file=OUTPUT_FILE,
        vectors=_vectors(d),
        ic=ic,
    )


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
        ``n_cycles`` too small; the design's ``name`` is not a safe file name (it names
        ``<name>.cir`` and the tables beside it).
    """
    safe_name(design.name)
    run = _resolve_run(design, n_cycles, amplitude_dbfs, fin_hz, seed, temp_c, corner, noise_source)
    t0, _ = pulse_window(design)
    # The DAC takes the code t0 T after the decision (plus a gate path of ~0.1 ns): read it
    # at the multiple of T/2 nearest to the middle of its period.
    read_delay_s = round(2.0 * t0 + 1.0) * 0.5 / design.fs_hz
    dev = devices(run.pdk)
    models = model_lines(run.pdk, corner, pdk_root=pdk_root)
    ctx = _context(design, run, dev, t0, read_delay_s)
    text = _render(ctx, run, _sections(ctx, run, models, t0))
    files = tuple(str(p) for p in gf180mcu_paths(pdk_root)) if run.pdk == "gf180mcu" else ()
    return Netlist(
        text=text,
        name=design.name,
        fs_hz=design.fs_hz,
        t_first_sample_s=ctx.t0_s,
        read_delay_s=read_delay_s,
        t_stop_s=ctx.t_stop_s,
        n_cycles=run.n_cycles,
        fin_hz=run.fin_hz,
        amplitude_dbfs=run.amplitude_dbfs,
        seed=run.seed,
        levels=design.levels,
        output_file=OUTPUT_FILE,
        code_vector="v(vcode)",
        state_vectors=tuple(_vectors(design)[1:]),
        k_x_v=tuple(float(k) for k in design.sizing.k_x_v),
        pdk=run.pdk,
        corner=corner,
        temp_c=run.temp_c,
        files=files,
        spiceinit=tuple(spiceinit_lines(run.pdk)),
        inputs=tuple(sorted(ctx.inputs.items())),
    )


def write_netlist(netlist: Netlist, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``<name>.cir``, its input files and ``.spiceinit`` (when the PDK needs it),
    each atomically.

    Parameters
    ----------
    netlist : Netlist
    out_dir : path-like
        Created if needed; every file stays inside it (names are vetted by
        :func:`ctdsm.io.safe_name` and :func:`ctdsm.io.output_path`).

    Returns
    -------
    pathlib.Path
        The netlist file.
    """
    files = {name: text.encode("utf-8") for name, text in netlist.inputs}
    if netlist.spiceinit:
        files[".spiceinit"] = ("\n".join(netlist.spiceinit) + "\n").encode("utf-8")
    files[netlist.filename] = netlist.text.encode("utf-8")
    # All files move in together; a stale .spiceinit of another PDK goes with the run.
    paths = commit_run(out_dir, files, verb="netlist", owned=(".spiceinit",))
    return paths[-1]
