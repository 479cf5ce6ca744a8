"""Opamp macromodels and noise sources of the netlists.

Every opamp is a fully differential subcircuit whose differential output ``o`` (V) follows
the behavioral engine's model (:func:`ctdsm.sim.plant.physical_plant`) with the same
parameters:

* Later opamps, one pole: ``o' = w_u e - w_p o`` with ``e`` the differential input, unity-
  gain frequency ``w_u = 2 pi GBW`` and ``w_p = w_u / A0`` (DC gain ``A0``).
* The first opamp, two stages: an input stage behind the non-dominant pole
  ``w_2 = FIRST_OPAMP_POLE2_RATIO w_u`` (``w1' = w_2 (e + v_n - w1)``) and a Miller stage
  ``o' = w_u w1 - w_p o``. When chopped, NMOS switches wrap the input stage: an input
  chopper between the virtual grounds and the input stage, an output chopper between the
  input stage's outputs and the Miller stage (its clock may lag, the chopper skew).

A VCCS into a grounded capacitor ``C_o`` with a parallel resistor realizes each pole;
``E`` sources put ``+-o/2`` around the common mode on the output pins. The output swing is
limited by a stiff conductance that holds ``|o|`` at the saturation limit (the engine's
clip). The input-referred noise is a voltage source in series with the input: white density
``e_n`` and, for the first opamp, ``1/f`` noise with corner ``f_c`` (``S(f) = e_n^2 (1 +
f_c / f)``), plus its input offset. The source is a ``trnoise`` inside the subcircuit or,
with ``noise_pins``, outside it between the pins ``nza`` and ``nzb``, where the netlist's
seeded noise table drives it (:mod:`ctdsm.spice.netlist`).

``trnoise(NA NT NALPHA NAMP)`` in ngspice 39: the white part has one-sided density
``2 NT NA^2``; the ``1/f`` part (``NALPHA = 1``) ``K NAMP^2 / f`` with ``K`` =
:data:`TRNOISE_FLICKER_K`, measured (docs/spice.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "OpampParams",
    "TRNOISE_FLICKER_K",
    "opamp_subckt",
    "trnoise_white_na",
    "trnoise_args",
    "fmt",
]

#: ``S(f) f / NAMP^2`` of ngspice 39's ``trnoise`` 1/f generator (NALPHA = 1), measured over
#: 1e4-1e8 Hz from a 2 ms record at NT = 1 ns: 0.322-0.325 (about 1/pi). docs/spice.md.
TRNOISE_FLICKER_K = 0.323

#: Internal capacitor of each pole, F (any value works; picked for well-scaled currents).
_C_POLE_F = 1e-12
#: Resistance of the first opamp's input-stage output nodes, ohm (low, so that the output
#: chopper's switch capacitance barely loads the non-dominant pole).
_R_STAGE1_OHM = 1e3
#: Clamp conductance holding the output at its limit, S.
_G_CLAMP_S = 0.1
#: Gate capacitance of the first opamp's input pair (per side), F.
_C_IN_F = 20e-15
#: Capacitance at the Miller stage's inputs (behind the output chopper), F.
_C_S2_F = 1e-15


def fmt(x: float) -> str:
    """A number for the netlist: 9 significant digits, deterministic."""
    if x == 0:
        return "0"
    return f"{x:.9g}"


@dataclass(frozen=True)
class OpampParams:
    """Parameters of one opamp macromodel (SI units).

    Attributes
    ----------
    name : str
        Subcircuit name.
    dc_gain : float
        ``A0``, V/V.
    gbw_hz : float
        Unity-gain frequency, Hz.
    pole2_hz : float or None
        Non-dominant pole of a two-stage (first) opamp, Hz; None for a one-pole opamp.
    out_limit_v : float or None
        Differential output limit, V (None: no limit).
    en_v_rthz : float
        Input-referred white noise density, V/sqrt(Hz) (0: none).
    flicker_corner_hz : float or None
        1/f corner of the input-referred noise (first opamp), Hz.
    offset_v : float
        Input offset, V.
    chopped : bool
        Choppers around the input stage (two-stage opamp only).
    noise_dt_s : float
        ``trnoise`` time step, s.
    noise_pins : bool
        The noise source is outside, between the pins ``nza`` and ``nzb`` (the noise table),
        instead of a ``trnoise`` inside.
    switch : tuple of (str, float, float) or None
        Chopper switches: (NMOS instance template, W in m, L in m); see :func:`opamp_subckt`.
    """

    name: str
    dc_gain: float
    gbw_hz: float
    pole2_hz: float | None
    out_limit_v: float | None
    en_v_rthz: float
    flicker_corner_hz: float | None
    offset_v: float
    chopped: bool
    noise_dt_s: float
    switch: tuple[str, float, float] | None = None
    noise_pins: bool = False


def trnoise_white_na(density_v2_hz: float, dt_s: float) -> float:
    """``NA`` of a ``trnoise`` source with one-sided density ``density_v2_hz`` (V^2/Hz)."""
    return math.sqrt(density_v2_hz / (2.0 * dt_s))


def trnoise_args(en_v_rthz: float, dt_s: float, flicker_corner_hz: float | None = None) -> str:
    """``trnoise(...)`` of white density ``en`` (V/sqrt(Hz)) plus an optional 1/f corner."""
    na = trnoise_white_na(en_v_rthz**2, dt_s)
    if flicker_corner_hz:
        namp = en_v_rthz * math.sqrt(flicker_corner_hz / TRNOISE_FLICKER_K)
        return f"trnoise({fmt(na)} {fmt(dt_s)} 1 {fmt(namp)})"
    return f"trnoise({fmt(na)} {fmt(dt_s)} 0 0)"


def _output_stage(p: OpampParams, sense_p: str, sense_n: str) -> list[str]:
    """VCCS into ``o`` (pole ``w_p``, gain ``w_u`` per volt of the sense pair), clamp, E."""
    wu = 2.0 * math.pi * p.gbw_hz
    g = wu * _C_POLE_F
    r = p.dc_gain / g
    lines = [
        f"g2 0 o {sense_p} {sense_n} {fmt(g)}",
        f"ro o 0 {fmt(r)}",
        f"co o 0 {fmt(_C_POLE_F)}",
    ]
    if p.out_limit_v is not None:
        # Two diodes to +-lim with a sharp knee (emission coefficient 0.05: about 30 mV
        # from 1 pA to 1 mA) and 1/_G_CLAMP_S series resistance, in place of a behavioural
        # B-source clamp (B-sources are evaluated from their expression at every iteration;
        # dropping the clamps and a B-source clock complement saved 13 % of a single-bit
        # run; the diodes' own cost was not isolated, docs/spice.md).
        lim = fmt(p.out_limit_v)
        lines += [
            f".model dclamp d(is=1e-14 n=0.05 rs={fmt(1.0 / _G_CLAMP_S)})",
            f"vclp clp 0 dc {lim}",
            f"vcln cln 0 dc -{lim}",
            "dclp o clp dclamp",
            "dcln cln o dclamp",
        ]
    lines += ["eop outp cm o 0 0.5", "eon outn cm o 0 -0.5"]
    return lines


def opamp_subckt(p: OpampParams) -> list[str]:
    """The ``.subckt`` lines of one opamp.

    Pins: ``inp inn outp outn cm``; with ``noise_pins`` (and noise) ``nza nzb``, the ends of
    the input-referred noise source driven from outside (``v(nza) - v(nzb)`` is the noise);
    and, when chopped, ``ci cib co cob`` (gates of the input chopper's straight and crossed
    switches, and of the output chopper's). ``outp - outn = A(s) (inp - inn)``.

    Parameters
    ----------
    p : OpampParams

    Returns
    -------
    list of str
    """
    external_noise = p.noise_pins and p.en_v_rthz > 0
    pins = (
        "inp inn outp outn cm"
        + (" nza nzb" if external_noise else "")
        + (" ci cib co cob" if p.chopped else "")
    )
    lines = [f".subckt {p.name} {pins}"]
    lines.append(
        f"* A0 {fmt(p.dc_gain)} V/V, GBW {fmt(p.gbw_hz)} Hz"
        + (f", pole2 {fmt(p.pole2_hz)} Hz" if p.pole2_hz else "")
        + (f", |o| <= {fmt(p.out_limit_v)} V" if p.out_limit_v else "")
        + f", e_n {fmt(p.en_v_rthz)} V/rtHz"
        + (f", 1/f corner {fmt(p.flicker_corner_hz)} Hz" if p.flicker_corner_hz else "")
        + (", chopped" if p.chopped else "")
    )
    if p.chopped:
        if p.switch is None or p.pole2_hz is None:
            raise ValueError("a chopped opamp needs a two-stage model and a switch device")
        tmpl, w, l_m = p.switch
        sw = f"w={fmt(w)} l={fmt(l_m)}"
        lines += [
            "* input chopper (NMOS switches, bulk at ground)",
            tmpl.format(n="ci1", d="inp", g="ci", s="ip") + f" {sw}",
            tmpl.format(n="ci2", d="inn", g="ci", s="in") + f" {sw}",
            tmpl.format(n="ci3", d="inp", g="cib", s="in") + f" {sw}",
            tmpl.format(n="ci4", d="inn", g="cib", s="ip") + f" {sw}",
        ]
        ip, inn = "ip", "in"
    else:
        ip, inn = "inp", "inn"
    # Offset and noise in series with the positive input (between the choppers).
    sense = ip
    if p.offset_v:
        lines.append(f"vos {sense} ios dc {fmt(p.offset_v)}")
        sense = "ios"
    if external_noise:
        # A 0 V source ties nza to the node before it (two pins cannot name one node).
        lines.append(f"vnza {sense} nza dc 0")
        sense = "nzb"
    elif p.en_v_rthz > 0:
        lines.append(
            f"vn {sense} ins dc 0 {trnoise_args(p.en_v_rthz, p.noise_dt_s, p.flicker_corner_hz)}"
        )
        sense = "ins"
    if p.pole2_hz is None:
        return lines + _output_stage(p, sense, inn) + [".ends"]
    if p.chopped:
        lines += [f"cip {ip} cm {fmt(_C_IN_F)}", f"cin {inn} cm {fmt(_C_IN_F)}"]
    # Input stage: w1p - cm = e/2, w1n - cm = -e/2 behind the pole 1/(R C).
    g1 = 0.5 / _R_STAGE1_OHM
    c1 = 1.0 / (2.0 * math.pi * p.pole2_hz * _R_STAGE1_OHM)
    lines += [
        f"g1p cm w1p {sense} {inn} {fmt(g1)}",
        f"g1n w1n cm {sense} {inn} {fmt(g1)}",
        f"r1p w1p cm {fmt(_R_STAGE1_OHM)}",
        f"r1n w1n cm {fmt(_R_STAGE1_OHM)}",
        f"c1p w1p cm {fmt(c1)}",
        f"c1n w1n cm {fmt(c1)}",
    ]
    if p.chopped:
        assert p.switch is not None
        tmpl, w, l_m = p.switch
        sw = f"w={fmt(w)} l={fmt(l_m)}"
        lines += [
            "* output chopper",
            tmpl.format(n="co1", d="w1p", g="co", s="s2p") + f" {sw}",
            tmpl.format(n="co2", d="w1n", g="co", s="s2n") + f" {sw}",
            tmpl.format(n="co3", d="w1p", g="cob", s="s2n") + f" {sw}",
            tmpl.format(n="co4", d="w1n", g="cob", s="s2p") + f" {sw}",
            f"cs2p s2p cm {fmt(_C_S2_F)}",
            f"cs2n s2n cm {fmt(_C_S2_F)}",
        ]
        s2p, s2n = "s2p", "s2n"
    else:
        s2p, s2n = "w1p", "w1n"
    return lines + _output_stage(p, s2p, s2n) + [".ends"]
