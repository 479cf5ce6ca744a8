"""What every section of a netlist shares: the build context and the noise sources.

:class:`NetlistContext` carries the design, the resolved impairments, the devices and the
timing every section builder reads, and collects what they leave behind (files written
beside the netlist, noise-table columns). Resistors get their thermal noise here, either as
``trnoise`` sources or as columns of the seeded noise table (:func:`noise_table_lines`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ctdsm.constants import K_BOLTZMANN
from ctdsm.design.record import Design
from ctdsm.errors import SpecError
from ctdsm.models.chopper import spec_chop_frequency_hz
from ctdsm.models.impairments import Impairments
from ctdsm.models.noise import flicker_f_max_hz, flicker_noise
from ctdsm.spice.macromodels import fmt, trnoise_white_na
from ctdsm.spice.process import DeviceSet

__all__ = [
    "EDGE_S",
    "RETIME_S",
    "GF180_W_MAX_M",
    "NOISE_SOURCES",
    "NOISE_STEPS",
    "NetlistContext",
    "NoiseColumn",
    "chop_frequency_hz",
    "sign_nodes",
    "noise_table_lines",
]

#: Edge time of the switch-gate drivers and clock phases, s.
EDGE_S = 50e-12
#: Time the digital logic gets to settle before the DAC gates are retimed, s (the DWA's
#: four multiplexer stages take 16 ps).
RETIME_S = 50e-12
#: Widest single GF180MCU finger used, m (the binned 3.3 V models stop at 100 um).
GF180_W_MAX_M = 50e-6
#: Narrowest GF180MCU device, m: the 3.3 V model bins start at 0.22 um (a switch sized
#: narrower, e.g. a zap switch at 3.3 V gate drive, is drawn at this width).
GF180_W_MIN_M = 0.22e-6
#: Ways to make the thermal and 1/f noise (:func:`build_netlist`'s ``noise_source``).
NOISE_SOURCES = ("trnoise", "table")
#: Noise table resolution: samples are written as integers in units of 1/NOISE_STEPS of
#: each column's white-noise standard deviation (quantization error 51 dB below the noise).
NOISE_STEPS = 100


@dataclass(frozen=True)
class NoiseColumn:
    """One noise source of the netlist's noise table: ``v(node_a) - v(node_b)``.

    Attributes
    ----------
    node_a, node_b : str
        The source's nodes.
    density_v2_hz : float
        One-sided white density, V^2/Hz.
    flicker_corner_hz : float or None
        Corner of the added ``1/f`` noise, Hz (None: white only).
    """

    node_a: str
    node_b: str
    density_v2_hz: float
    flicker_corner_hz: float | None = None


@dataclass
class NetlistContext:
    """Values shared by the section builders, and what they collect.

    Attributes
    ----------
    design : Design
    imp : Impairments
        The spec's impairments, resolved.
    pdk : str
    dev : DeviceSet
        The PDK's MOS devices.
    vdd_v, vcm_v, v_fs_v : float
        Supply, common mode and DAC full scale, V.
    period_s : float
        Clock period ``T``, s.
    t0_s : float
        First sampling instant, s.
    temp_k : float
        Temperature, K (for ``4 k T R``).
    noise : bool
        Thermal noise on.
    noise_dt_s : float
        Sample step of the noise sources, s.
    noise_table : bool
        Noise from the seeded table (``noise_source="table"``) instead of ``trnoise``.
    rng : numpy.random.Generator
        Stream of the element mismatch.
    rng_seed : int
        The seed every other stream is derived from.
    t_stop_s : float
        End of the transient, s.
    inputs : dict of str to str
        Files written beside the netlist (name -> text).
    noise_columns : list of NoiseColumn
        Columns of the noise table, in netlist order.
    """

    design: Design
    imp: Impairments
    pdk: str
    dev: DeviceSet
    vdd_v: float
    vcm_v: float
    v_fs_v: float
    period_s: float
    t0_s: float
    temp_k: float
    noise: bool
    noise_dt_s: float
    noise_table: bool
    rng: np.random.Generator
    rng_seed: int
    t_stop_s: float = 0.0
    inputs: dict[str, str] = field(default_factory=dict)
    noise_columns: list[NoiseColumn] = field(default_factory=list)

    def nmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        """An NMOS line (bulk at ground)."""
        return self._mos(n, d, g, s, "0", self.dev.nmos, w_m, l_m)

    def pmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        """A PMOS line (bulk at the supply)."""
        return self._mos(n, d, g, s, "vdd", self.dev.pmos, w_m, l_m)

    def _mos(self, n: str, d: str, g: str, s: str, b: str, model: str, w: float, l_m: float) -> str:
        # GF180MCU devices are subcircuits (X) binned up to a finite width: wide switches
        # are split into parallel fingers (m); the embedded card is a plain model (M).
        if self.pdk == "gf180mcu":
            w = max(w, GF180_W_MIN_M)
            fingers = max(1, math.ceil(w / GF180_W_MAX_M))
            m = f" m={fingers}" if fingers > 1 else ""
            return f"x{n} {d} {g} {s} {b} {model} w={fmt(w / fingers)} l={fmt(l_m)}{m}"
        return f"m{n} {d} {g} {s} {b} {model} w={fmt(w)} l={fmt(l_m)}"

    def nmos_template(self) -> str:
        """An NMOS line with ``{n} {d} {g} {s}`` placeholders (for the opamp subcircuits)."""
        prefix = "x" if self.pdk == "gf180mcu" else "m"
        return prefix + "{n} {d} {g} {s} 0 " + self.dev.nmos

    def capacitor(self, name: str, a: str, b: str, c_f: float) -> str:
        """A capacitor ``c{name}`` from ``a`` to ``b``."""
        return f"c{name} {a} {b} {fmt(c_f)}"

    def resistor(self, name: str, a: str, b: str, r_ohm: float) -> list[str]:
        """A resistor with its thermal noise.

        Parameters
        ----------
        name : str
            Element name without the ``r`` prefix.
        a, b : str
            Nodes; the noise source sits in series on the ``b`` side.
        r_ohm : float

        Returns
        -------
        list of str
            The resistor, plus its ``trnoise`` source of density ``4 k T R`` (or nothing
            more: a column of the noise table).

        Raises
        ------
        SpecError
            For a resistance that is not positive: a first-DAC unit resistor, trimmed by
            its switches' estimated on-resistance, comes out negative when the process's
            switches barely conduct at the references (a PMOS on GF180MCU's 3.3 V bulk
            switching a 1.2 V ``VREFP``).
        """
        if not r_ohm > 0:
            raise SpecError(
                "process",
                f"netlist resistor r{name} comes out at {r_ohm:.4g} ohm: the first DAC's "
                f"switches ({self.pdk}, {self.vdd_v:g} V gate swing) take more than the unit "
                "resistor at the references; try another process.vdd_v or dac.type",
            )
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
        """Add a noise-table column ``v(a) - v(b)``: white density ``density_v2_hz`` (V^2/Hz)
        plus ``1/f`` noise of corner ``flicker_corner_hz``."""
        self.noise_columns.append(NoiseColumn(a, b, float(density_v2_hz), flicker_corner_hz))


def chop_frequency_hz(design: Design) -> float:
    """The chopping frequency of ``chopper.f_chop_hz`` (``auto``: the engine's choice), Hz."""
    d = design
    return spec_chop_frequency_hz(d.spec.chopper.f_chop_hz, d.fs_hz, d.bw_hz, d.f0_hz)


def sign_nodes(coefficient: float, p: str, n: str) -> tuple[str, str]:
    """Source nodes in the order they connect to (vgp, vgn): crossed for a negative sign."""
    return (p, n) if coefficient > 0 else (n, p)


def _flicker_f_max_hz(ctx: NetlistContext) -> float:
    """Highest frequency at which the 1/f noise must be right (the engine's bound), Hz."""
    d = ctx.design
    f_chop = chop_frequency_hz(d) if d.spec.chopper.enabled else None
    return flicker_f_max_hz(d.f0_hz, d.bw_hz, f_chop)


def _noise_table(ctx: NetlistContext) -> tuple[np.ndarray, list[float]]:
    """The integer noise table (row index, then one column per source) and each column's
    scale, V per step. Draws from stream ``[seed, 3]``."""
    cols = ctx.noise_columns
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
            flicker = flicker_noise(
                n, 1.0 / dt, c.density_v2_hz, c.flicker_corner_hz, rng, _flicker_f_max_hz(ctx)
            )
            x += flicker / sigma
        table[:, j + 1] = np.rint(x * NOISE_STEPS)
        scales.append(sigma / NOISE_STEPS)
    return table, scales


def noise_table_lines(ctx: NetlistContext) -> list[str]:
    """Every noise-table column as one XSPICE ``filesource``, and its table file.

    The source drives a ``%vd`` vector, one port per :class:`NoiseColumn`; its table,
    ``<name>_noise.txt``, becomes one of ``ctx.inputs``. Each column holds samples every
    ``noise_dt_s`` from ``t = 0`` that the source interpolates linearly: a white sequence of
    standard deviation ``sqrt(S / (2 dt))`` then has the one-sided density ``S`` (times
    ``sinc^4(f dt)``, 1.8 dB down at ``fs/4``). The 1/f part is
    :func:`ctdsm.models.noise.flicker_noise`, the engine's generator. The draws come from
    the seed, so that a netlist is reproducible: ngspice's own ``trnoise`` cannot be seeded
    (docs/spice.md).

    Parameters
    ----------
    ctx : NetlistContext
        After every section has added its columns.

    Returns
    -------
    list of str
        The source and its model; empty when there are no columns (``trnoise`` noise, or
        noise off).
    """
    cols = ctx.noise_columns
    if not cols:
        return []
    dt = ctx.noise_dt_s
    table, scales = _noise_table(ctx)
    file_name = f"{ctx.design.name}_noise.txt"
    header = [
        f"# noise table of {ctx.design.name}: row k at t = k * {fmt(dt)} s, then one column "
        f"per source in units of the model's amplscale",
        "# columns: k " + " ".join(f"{c.node_a}-{c.node_b}" for c in cols),
    ]
    body = "\n".join(" ".join(map(str, row)) for row in table.tolist())
    ctx.inputs[file_name] = "\n".join(header) + "\n" + body + "\n"
    lines = [
        f"* {len(cols)} noise sources (4 k T R per resistor, the opamps' input-referred noise),",
        f"* drawn from the seed, every {fmt(dt)} s, linearly interpolated: table {file_name}",
        "anoise %vd([",
    ]
    lines += [f"+ {c.node_a} {c.node_b}" for c in cols]
    lines += ["+ ]) noisetab", f'.model noisetab filesource(file="{file_name}"']
    lines += ["+ amploffset=[" + " ".join("0" for _ in cols) + "]", "+ amplscale=["]
    lines += [f"+ {fmt(sc)}" for sc in scales]
    lines += [f"+ ] timescale={fmt(dt)} timeoffset=0 timerelative=false amplstep=false)"]
    return lines
