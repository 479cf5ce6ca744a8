"""Component sizing of the fully differential active-RC loop filter, and its noise budget.

Scales
------
The toolbox units of the design map to volts through two factors: the input and the DACs,
``k_u = full_scale_v / (levels - 1)`` volts per unit (so ``+-(levels - 1)`` is the
differential peak full scale), and every integrator output, ``k_x = swing_v / xlim`` volts
per unit (the scaled state peak ``xlim`` is the opamp's allowed differential swing).

Components
----------
A coefficient ``a`` (time normalized to ``1/fs``) from a source with scale ``k_s`` into
integrator ``i`` with capacitor ``C_i`` (per side) is a resistor (per side)::

    R = (k_s / k_x) / (|a| C_i fs)

The first integrator's input resistor is set by the thermal-noise budget: the total in-band
noise allowed by the SNDR target at the reference amplitude is
``N = (V_fs 10^(A/20))^2 / 2 / 10^(SNDR/10)``; a fraction ``thermal_fraction`` of it goes to
the first integrator's resistors, whose input-referred density is ``8 k T R_in rho`` (two
resistors per differential path, ``rho = sum_k R_in / R_k`` over the resistors into that
node), so ``R_in = thermal_fraction N / (8 k T rho bw)``. ``C_1`` follows from the input
coefficient; later capacitors shrink by ``c_stage_ratio`` per stage (their noise is divided
by the first integrator's in-band gain) down to ``c_min_f``, unless a later stage's
resistors would then take more than its share of what the first stage leaves (half of
``1 - thermal_fraction - opamp_fraction`` of the budget, split between the later stages, half
to resistors and half to the opamp); such a capacitor grows, such an opamp must be quieter.

Noise budget
------------
Every resistor (per differential pair, one-sided current noise ``8 k T / R``) and every
opamp (input-referred ``e_n``, acting as a current ``e_n G`` into its virtual ground, where
``G`` is the sum of the node's conductances) is referred to the input exactly through the
CT loop filter: ``S_in(f) = S(f) |G_w(j 2 pi f) / G_u(j 2 pi f)|^2 k_u^2``, where ``G_w`` and
``G_u`` are the transfer functions from the noise injection and from ``u`` to the quantizer
input (the loop and the quantizer act on both alike), and integrated over the band.

References
----------
S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2nd ed.,
Wiley-IEEE, 2017, sec. 9.2 (thermal noise of CT modulators).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ctdsm.analysis import band_edges_hz
from ctdsm.constants import K_BOLTZMANN
from ctdsm.design.spec import Spec, full_scale_value

__all__ = ["Resistor", "NoiseSource", "Sizing", "size_design", "volt_scales"]


@dataclass(frozen=True)
class Resistor:
    """One differential resistor pair (the value is per side)."""

    name: str
    stage: int  # integrator index (1-based); 0 for the quantizer summing node
    source: str  # "u", "dac<k>" or "x<j>"
    r_ohm: float
    coefficient: float


@dataclass(frozen=True)
class NoiseSource:
    """An in-band noise contribution, referred to the input (differential)."""

    name: str
    kind: str  # "resistor" or "opamp"
    stage: int
    inband_v2: float
    column: np.ndarray = field(repr=False)  # injection column in the normalized plant
    density_v2_per_hz: float = 0.0  # one-sided density of the source itself


@dataclass(frozen=True, eq=False)
class Sizing:
    """Component values and noise budget of a design.

    Attributes
    ----------
    k_u_v : float
        Volts per toolbox unit of input/DAC (differential).
    k_x_v : ndarray (n,)
        Volts per unit of each integrator state (differential).
    c_f : ndarray (n,)
        Integrating capacitor per side, F.
    resistors : list of Resistor
    dac_units : int
        Unit elements of the first DAC (``levels - 1``; 1 for single-bit).
    dac_unit_r_ohm : float
        Resistance of one unit element of the first DAC (per side).
    opamp_en_v_rthz : ndarray (n,)
        Input-referred white noise density assumed for each opamp, V/sqrt(Hz).
    noise : list of NoiseSource
    total_noise_v2 : float
        Sum of the in-band contributions, V^2 (input-referred).
    budget_v2 : float
        Total in-band noise allowed by the SNDR target at the reference amplitude.
    ref_amplitude_dbfs : float
    temp_k : float
    """

    k_u_v: float
    k_x_v: np.ndarray
    c_f: np.ndarray
    resistors: list[Resistor]
    dac_units: int
    dac_unit_r_ohm: float
    opamp_en_v_rthz: np.ndarray
    noise: list[NoiseSource]
    total_noise_v2: float
    budget_v2: float
    ref_amplitude_dbfs: float
    full_scale_v: float
    bw_hz: float
    temp_k: float

    @property
    def snr_thermal_db(self) -> float:
        """SNR at the reference amplitude if thermal noise were the only noise."""
        ps = (self.full_scale_v * 10 ** (self.ref_amplitude_dbfs / 20)) ** 2 / 2
        return 10 * math.log10(ps / self.total_noise_v2)

    @property
    def r_in_ohm(self) -> float:
        return next(r.r_ohm for r in self.resistors if r.stage == 1 and r.source == "u")

    def to_dict(self) -> dict[str, Any]:
        return {
            "k_u_v": self.k_u_v,
            "k_x_v": self.k_x_v.tolist(),
            "integrating_caps_f": self.c_f.tolist(),
            "resistors": [
                {
                    "name": r.name,
                    "stage": r.stage,
                    "source": r.source,
                    "r_ohm": r.r_ohm if math.isfinite(r.r_ohm) else None,
                    "coefficient": r.coefficient,
                }
                for r in self.resistors
            ],
            "dac": {
                "units": self.dac_units,
                "unit_r_ohm": self.dac_unit_r_ohm if math.isfinite(self.dac_unit_r_ohm) else None,
            },
            "opamp_en_v_rthz": self.opamp_en_v_rthz.tolist(),
            "noise_budget": {
                "reference_amplitude_dbfs": self.ref_amplitude_dbfs,
                "allowed_v2": self.budget_v2,
                "total_v2": self.total_noise_v2,
                "total_nv_rthz": math.sqrt(self.total_noise_v2 / self.bw_hz) * 1e9,
                "snr_thermal_db": self.snr_thermal_db,
                "sources": [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "stage": s.stage,
                        "inband_v2": s.inband_v2,
                        "share": s.inband_v2 / self.total_noise_v2,
                    }
                    for s in self.noise
                ],
            },
        }


def _transfer(
    A: np.ndarray, C: np.ndarray, cols: np.ndarray, d: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """``C (sI - A)^-1 cols + d`` for each column at each complex frequency ``s``."""
    n = A.shape[0]
    out = np.empty((len(s), cols.shape[1]), dtype=complex)
    eye = np.eye(n)
    for i, si in enumerate(s):
        out[i] = C @ np.linalg.solve(si * eye - A, cols) + d
    return out


def _band_quadrature(bw_hz: float, f0_hz: float, n: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights over the signal band (the nodes avoid f = 0, where
    the integrators' transfer functions are infinite)."""
    lo, hi = band_edges_hz(bw_hz, f0_hz)
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (hi - lo) * x + 0.5 * (hi + lo), 0.5 * (hi - lo) * w


def volt_scales(spec: Spec, levels: int, order: int) -> tuple[float, np.ndarray]:
    """``(k_u, k_x)``: volts per toolbox unit of the input/DACs and of each of the ``order``
    states (differential)."""
    k_u = full_scale_value(spec) / (levels - 1)
    k_x = np.full(order, spec.sizing.swing_v / spec.architecture.xlim)
    return k_u, k_x


@dataclass(frozen=True, eq=False)
class _Network:
    """The fixed part of a sizing: the loop filter's coefficients, scales and band."""

    n: int
    A: np.ndarray
    B: np.ndarray
    Cy: np.ndarray
    Dy: np.ndarray
    coef: np.ndarray
    src_scale: np.ndarray
    names: tuple[str, ...]
    k_u: float
    k_x: np.ndarray
    fs: float
    kT: float
    form: str
    f: np.ndarray
    wts: np.ndarray
    budget: float
    bw: float
    r_in: float
    opamp_fraction: float


def _components(
    net: _Network, c: np.ndarray, en_scale: np.ndarray
) -> tuple[list[Resistor], list[NoiseSource], np.ndarray]:
    """Resistors for capacitors ``c``, the opamp noise densities for ``en_scale``, and every
    noise source referred to the input and integrated over the band."""
    # Unpacked once: the loop bodies below read like the equations in the module docstring.
    n, coef, src_scale, k_x, fs, names = net.n, net.coef, net.src_scale, net.k_x, net.fs, net.names
    Cy, form, kT, f, B, Dy, A = net.Cy, net.form, net.kT, net.f, net.B, net.Dy, net.A
    k_u, wts, budget, bw, r_in = net.k_u, net.wts, net.budget, net.bw, net.r_in
    resistors: list[Resistor] = []
    for i in range(n):
        for j, a in enumerate(coef[i]):
            if a == 0:
                continue
            r = (src_scale[j] / k_x[i]) / (abs(a) * c[i] * fs)
            resistors.append(Resistor(f"R{i + 1}_{names[j]}", i + 1, names[j], float(r), float(a)))
    # The quantizer's summing node (FF form) is a passive/active summer; its weights are
    # ratios, recorded as coefficients with no absolute value.
    for j, cy in enumerate(Cy):
        if cy != 0 and form == "FF":
            resistors.append(Resistor(f"Rsum_x{j + 1}", 0, f"x{j + 1}", math.nan, float(cy)))
    g_node = np.array([sum(1.0 / r.r_ohm for r in resistors if r.stage == i + 1) for i in range(n)])
    # First opamp white noise allowed by its share of the budget; later opamps noisier.
    en1 = math.sqrt(net.opamp_fraction * budget / bw) / (r_in * g_node[0])
    en = en1 * en_scale
    # Injection columns in the *normalized* plant for unit-intensity white noise:
    # physical current density S1 (one-sided, A^2/Hz) into node i gives
    # x_i' += i / (C_i k_x fs); in time normalized to 1/fs its intensity is S1/2*fs.
    sources: list[tuple[str, str, int, float, float]] = []
    for r in resistors:
        if r.stage >= 1:
            sources.append((r.name, "resistor", r.stage, 8 * kT / r.r_ohm, 4 * kT * 2 * r.r_ohm))
    for i in range(n):
        s1 = (en[i] * g_node[i]) ** 2  # e_n acting as a current e_n G into the node
        sources.append((f"opamp{i + 1}", "opamp", i + 1, s1, en[i] ** 2))
    s = 2j * np.pi * f
    cols_ph = np.zeros((n, len(sources) + 1))
    cols_ph[:, 0] = B[:, 0] * fs
    for k, (_, _, stage, _, _) in enumerate(sources):
        cols_ph[stage - 1, k + 1] = 1.0 / (c[stage - 1] * k_x[stage - 1])
    dvec = np.zeros(len(sources) + 1)
    dvec[0] = Dy[0]
    H = _transfer(A * fs, Cy, cols_ph, dvec, s)
    ratio2 = np.abs(H[:, 1:] / H[:, [0]]) ** 2 * k_u**2
    inband = (wts[:, None] * ratio2).sum(axis=0)
    noise: list[NoiseSource] = []
    for k, (name, kind, stage, s1, dens) in enumerate(sources):
        col = np.zeros(n)
        col[stage - 1] = math.sqrt(s1 / 2 * fs) / (c[stage - 1] * k_x[stage - 1] * fs)
        noise.append(NoiseSource(name, kind, stage, float(s1 * inband[k]), col, float(dens)))
    return resistors, noise, en


def size_design(
    spec: Spec, abcdc: np.ndarray, levels: int, fs_hz: float, max_stable_dbfs: float
) -> Sizing:
    """Size the active-RC components of a realized loop filter and compute its noise budget.

    Parameters
    ----------
    spec : Spec
        Target (SNDR, full scale, band), sizing rules, process temperature.
    abcdc : ndarray
        Scaled CT ABCD of the loop filter (toolbox layout, time normalized to ``1/fs``).
    levels : int
        Quantizer levels.
    fs_hz : float
        Clock, Hz.
    max_stable_dbfs : float
        Largest stable input; the noise budget is set 1 dB below it (at most -1 dBFS).

    Returns
    -------
    Sizing
    """
    sz = spec.sizing
    n = int(abcdc.shape[0] - 1)
    fs = float(fs_hz)
    bw = float(spec.target.bw_hz)
    f0_hz = float(spec.target.f0_hz)
    form = spec.architecture.form
    A = abcdc[:n, :n]
    B = abcdc[:n, n:]  # [u, dac1, dac2, ...]
    Cy = abcdc[n, :n]
    Dy = abcdc[n, n:]
    temp_k = spec.process.temp_c + 273.15
    kT = K_BOLTZMANN * temp_k

    k_u, k_x = volt_scales(spec, levels, n)
    src_scale = np.concatenate([k_x, np.full(B.shape[1], k_u)])
    names = [f"x{j + 1}" for j in range(n)] + ["u"] + [f"dac{p}" for p in range(1, B.shape[1])]
    coef = np.hstack([A, B])  # row i: coefficients of every source into integrator i

    # Noise budget at the reference amplitude.
    ref_db = float(min(-1.0, max_stable_dbfs - 1.0))
    p_sig = (full_scale_value(spec) * 10 ** (ref_db / 20)) ** 2 / 2
    budget = p_sig / 10 ** (spec.target.sndr_db / 10)

    # rho = sum_k R_in / R_k over the first integrator's resistors (R ~ k_s / |a|).
    b_u1 = abs(B[0, 0])
    if b_u1 == 0:
        raise ValueError("the first integrator has no input path; cannot size it")
    row1 = np.abs(coef[0])
    rho = float(np.sum(row1 * k_u / src_scale) / b_u1)
    r_in = sz.thermal_fraction * budget / (8 * kT * rho * bw)
    c = np.empty(n)
    c[0] = k_u / (k_x[0] * b_u1 * r_in * fs)
    for i in range(1, n):
        c[i] = max(sz.c_min_f, c[i - 1] * sz.c_stage_ratio)
    en_scale = np.array([1.0 if i == 0 else 2.0 for i in range(n)])
    f, wts = _band_quadrature(bw, f0_hz)

    net = _Network(
        n=n, A=A, B=B, Cy=Cy, Dy=Dy, coef=coef, src_scale=src_scale, names=tuple(names),
        k_u=k_u, k_x=k_x, fs=fs, kT=kT, form=form, f=f, wts=wts, budget=budget, bw=bw,
        r_in=r_in, opamp_fraction=sz.opamp_fraction,
    )  # fmt: skip

    # Later stages get half of what the first stage leaves; where a stage takes more than
    # its share, its capacitor grows (resistor noise goes as 1/C) or its opamp must be
    # quieter (its input-referred contribution does not depend on C).
    allowed = (1.0 - sz.thermal_fraction - sz.opamp_fraction) * 0.5 * budget / max(n - 1, 1)
    for _ in range(8):
        resistors, noise, en = _components(net, c, en_scale)
        done = True
        for i in range(1, n):
            res_i = sum(ns.inband_v2 for ns in noise if ns.stage == i + 1 and ns.kind == "resistor")
            op_i = sum(ns.inband_v2 for ns in noise if ns.stage == i + 1 and ns.kind == "opamp")
            if res_i > 0.5 * allowed:
                c[i] *= 1.05 * res_i / (0.5 * allowed)
                done = False
            if op_i > 0.5 * allowed:
                en_scale[i] *= math.sqrt(0.5 * allowed / op_i) / 1.02
                done = False
        if done:
            break
    total = float(sum(ns.inband_v2 for ns in noise))

    units = max(levels - 1, 1)
    r_dac1 = next((r.r_ohm for r in resistors if r.stage == 1 and r.source == "dac1"), math.nan)
    return Sizing(
        k_u_v=k_u,
        k_x_v=k_x,
        c_f=c,
        resistors=resistors,
        dac_units=units,
        dac_unit_r_ohm=float(r_dac1 * units),
        opamp_en_v_rthz=en,
        noise=noise,
        total_noise_v2=total,
        budget_v2=budget,
        ref_amplitude_dbfs=ref_db,
        full_scale_v=full_scale_value(spec),
        bw_hz=bw,
        temp_k=temp_k,
    )
