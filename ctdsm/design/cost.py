"""What a sized design costs: supply power and silicon area, block by block.

:func:`estimate_cost` applies the process models of :mod:`ctdsm.models.power` and
:mod:`ctdsm.models.area` to a :class:`~ctdsm.design.sizing.Sizing`. Every block's power and
area is an entry of a breakdown that sums to the total. docs/power.md gives the equations,
the defaults and their sources.

Per integrator ``i`` (1-based):

* the opamp's resistive load is every resistor driven by ``x_i`` (the next stages' input
  and feedback resistors), in parallel; its capacitive load is ``load_cap_factor`` times
  ``C_i C_vg / (C_i + C_vg) + C_NODE_F``: near its unity-gain frequency the output drives
  ``C_i`` in series with the virtual-ground capacitance ``C_vg`` (the gate capacitance of the
  input pair that the noise sets, :func:`virtual_ground_c_f`, plus ``C_NODE_F`` of wiring),
  and the wiring of its own node;
* its unity-gain bandwidth is ``gbw_hz`` if given, else ``gbw_ratio fs``, else
  ``DEFAULT_GBW_RATIO fs`` (``synthesize`` passes the requirements' ``gbw_ratio_min``, the
  smallest simulated GBW that costs at most the allowed SNDR loss with the thermal noise
  counted, :func:`ctdsm.flow.requirements.derive_requirements`);
  its white noise is ``sizing.opamp_en_v_rthz[i]``;
* its output also carries the integrator's input current, which flows through ``C_i``:
  for the first integrator the input and the DAC nearly cancel and the net is the loop's
  error, at most ``ERROR_UNITS`` quantizer steps, ``ERROR_UNITS k_u / (2 R_dac taps)`` per
  half (``R_dac = R_u / units``; an FIR DAC of ``taps`` equal taps spreads each step over
  ``taps`` periods); for the others, every source at its peak (input and DACs
  ``V_fs / 2``, states ``swing / 2``) through its resistor, summed (an upper bound);
* its topology: ``topologies[i]`` if given, else ``"ff3"`` for every opamp when the
  simulated DC-gain requirement ``dc_gain_db`` exceeds ``MILLER_MAX_GAIN_DB`` (two stages
  cannot give it), else ``"ff3"`` for the first opamp of a high-resolution design (thermal
  SNR of the sizing at least ``HIGH_RES_SNR_DB``: the first opamp then needs the gain of
  three stages and a separately chopped first stage) and ``"miller"`` for every other.

A feed-forward loop (``form="FF"``) sums its states before the quantizer in an active
summer (``summing_amp``): a two-stage Miller opamp at the loop's GBW driving the
comparators' inputs, ``(levels - 1) COMPARATOR_INPUT_C_F + C_NODE_F``; its noise is shaped
like the quantization noise (``SUMMER_EN_V_RTHZ``, so the bandwidth sets it).

"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ctdsm.design.sizing import Sizing
from ctdsm.models.area import (
    DIFFUSION_EXTENSION,
    breakdown_mm2,
    capacitor_area_m2,
    device_width_m,
    opamp_area_m2,
    resistor_area_m2,
)
from ctdsm.models.dac import DAC_MODELS
from ctdsm.models.power import (
    GE_DFF,
    Device,
    OpampPower,
    clock_power,
    dac_reference_power,
    dwa_gate_count,
    fir_gate_count,
    gm_for_noise_s,
    input_gm_id_s_per_a,
    logic_power,
    opamp_power,
    quantizer_power,
    switch_gate_c_f,
    switching_power,
)
from ctdsm.models.technology import GENERIC180, Technology

__all__ = [
    "Cost",
    "DEFAULT_GBW_RATIO",
    "HIGH_RES_SNR_DB",
    "MILLER_MAX_GAIN_DB",
    "COMPARATOR_INPUT_C_F",
    "SUMMER_EN_V_RTHZ",
    "ERROR_UNITS",
    "DRIVER_TAPER_OVERHEAD",
    "CHOPPER_SWITCHES",
    "CHOPPER_R_ON_OHM",
    "REF_DECOUPLING_F",
    "C_NODE_F",
    "virtual_ground_c_f",
    "estimate_cost",
    "predicted_performance",
]

#: Opamp unity-gain bandwidth per fs when no simulated requirement is given.
DEFAULT_GBW_RATIO = 2.0
#: Peak of the first integrator's net input (input minus DAC), in quantizer steps.
ERROR_UNITS = 2.0
#: Thermal SNR (dB) from which the first opamp is a three-stage feed-forward one.
HIGH_RES_SNR_DB = 90.0
#: DC gain (dB) a two-stage Miller opamp reaches: two stages of intrinsic gain ``gm r_o``
#: about 30 (30 dB) each at ``l_analog``; above it every opamp is three-stage.
MILLER_MAX_GAIN_DB = 60.0
#: Input capacitance of one comparator (preamp input pair and wiring), F.
COMPARATOR_INPUT_C_F = 30e-15
#: Input-referred noise given to the feed-forward summer: shaped by the loop like the
#: quantization noise, so its bandwidth, not its noise, sets it, V/sqrt(Hz).
SUMMER_EN_V_RTHZ = 1e-6
#: Tapered driver chain (fan-out 4) before each switch, as a factor on the switch's gate.
DRIVER_TAPER_OVERHEAD = 1.0 / 3.0
#: Chopper of the first opamp: two cross-coupled choppers (input and output of its first
#: stage) of four switches, each sized for this on-resistance.
CHOPPER_SWITCHES = 8
CHOPPER_R_ON_OHM = 100.0
#: On-chip reference decoupling (the r_dac model's C_dec, docs/models.md), F.
REF_DECOUPLING_F = 500e-12
#: Wiring and junction capacitance of an opamp's output node and of a virtual-ground node
#: (a few hundred um of routing at about 0.1 fF/um, the drains and the switches on it), F.
C_NODE_F = 0.5e-12


@dataclass(frozen=True)
class Cost:
    """Power and area of a design, with their breakdowns by block.

    Attributes
    ----------
    power_w : float
        Sum of ``power_breakdown_w``, W.
    power_breakdown_w : dict
        Block name to W (``opamp1``.., ``summing_amp`` (FF form only), ``dac_reference``,
        ``dac_drivers``, ``quantizer``, ``dem_logic``, ``clock``, ``chopper``).
    area_mm2 : float
        Sum of ``area_breakdown_mm2``, mm^2.
    area_breakdown_mm2 : dict
        Block name to mm^2 (``integrating_caps``, ``loop_resistors``, ``dac_resistors``,
        ``dac_switches``, ``opamps``, ``quantizer``, ``logic``, ``ref_decoupling``,
        ``routing``).
    opamps : tuple of OpampPower
        The sizing of each opamp.
    tech : str
        The process name.
    """

    power_w: float
    power_breakdown_w: dict[str, float]
    area_mm2: float
    area_breakdown_mm2: dict[str, float]
    opamps: tuple[OpampPower, ...] = field(repr=False)
    tech: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "power_w": self.power_w,
            "power_breakdown_w": dict(self.power_breakdown_w),
            "area_mm2": self.area_mm2,
            "area_breakdown_mm2": dict(self.area_breakdown_mm2),
            "opamps": [
                {
                    "topology": o.topology,
                    "gm1_s": o.gm1_s,
                    "gm1_limit": o.gm1_limit,
                    "gbw_hz": o.gbw_hz,
                    "gm_id_input_s_per_a": o.gm_id_input_s_per_a,
                    "stage_currents_a": list(o.stage_currents_a),
                    "power_w": o.power_w,
                }
                for o in self.opamps
            ],
            "process": self.tech,
        }


def _per_stage(value: float | Sequence[float], n: int) -> list[float]:
    if isinstance(value, int | float):
        return [float(value)] * n
    vals = [float(v) for v in value]
    if len(vals) != n:
        raise ValueError(f"{len(vals)} per-stage values for {n} integrators")
    return vals


def _load_ohm(sizing: Sizing, stage: int) -> float:
    """Every finite resistor driven by integrator ``stage``'s output, in parallel."""
    g = sum(
        1.0 / r.r_ohm
        for r in sizing.resistors
        if r.source == f"x{stage}" and math.isfinite(r.r_ohm) and r.r_ohm > 0
    )
    return 1.0 / g if g > 0 else math.inf


def _inverter_gate_f(r_on_ohm: float, tech: Technology) -> float:
    """Gate capacitance of a switch inverter: an NMOS for ``r_on_ohm`` (at least twice the
    minimum length wide) and a PMOS 2.5 times as wide (as the DAC models)."""
    c_n = switch_gate_c_f(r_on_ohm, tech, "n", 2.0 * tech.l_min_m)
    return 3.5 * c_n


def _inverter_area_m2(c_gate_f: float, tech: Technology) -> float:
    """Area of the inverter of gate capacitance ``c_gate_f`` and its tapered driver:
    total width ``W = C / (L Cox + 2 C_ov)`` times ``L + 2 DIFFUSION_EXTENSION L``."""
    w = c_gate_f / (tech.l_min_m * tech.cox_f_per_m2 + 2.0 * tech.c_overlap_f_per_m)
    length = tech.l_min_m * (1.0 + 2.0 * DIFFUSION_EXTENSION)
    return w * length * (1.0 + DRIVER_TAPER_OVERHEAD)


def virtual_ground_c_f(
    en_v_rthz: float, gbw_hz: float, tech: Technology, temp_k: float = 300.0
) -> float:
    """Capacitance of an opamp's virtual-ground node, per side: the gate-source capacitance
    ``(2/3) W L_analog Cox`` of the input device that the white noise ``en_v_rthz`` sets
    (:func:`~ctdsm.models.power.gm_for_noise_s`, width at the input pair's ``gm/Id`` for
    ``gbw_hz``, :func:`~ctdsm.models.power.input_gm_id_s_per_a`), plus ``C_NODE_F`` of
    wiring, F."""
    gm_id = input_gm_id_s_per_a(gbw_hz, tech, temp_k)
    dev = Device("input", "p", gm_for_noise_s(en_v_rthz, temp_k) / gm_id, gm_id, 1)
    w = device_width_m(dev, tech, temp_k)
    return 2.0 / 3.0 * w * tech.l_analog_m * tech.cox_f_per_m2 + C_NODE_F


def _load_c_f(
    c_int_f: float, en_v_rthz: float, gbw_hz: float, tech: Technology, temp_k: float
) -> float:
    """Capacitive load of an integrator's opamp near its unity-gain frequency: ``C_i`` in
    series with the virtual-ground capacitance, plus the wiring of the output node, F."""
    c_vg = virtual_ground_c_f(en_v_rthz, gbw_hz, tech, temp_k)
    return c_int_f * c_vg / (c_int_f + c_vg) + C_NODE_F


def _feedback_current_a(sizing: Sizing, stage: int, swing_v: float, taps: int = 1) -> float:
    """Peak current per half into integrator ``stage`` (1-based), through its capacitor."""
    if stage == 1:
        r_dac = sizing.dac_unit_r_ohm / sizing.dac_units
        return ERROR_UNITS * sizing.k_u_v / (2.0 * r_dac * taps)
    total = 0.0
    for r in sizing.resistors:
        if r.stage != stage or not math.isfinite(r.r_ohm) or r.r_ohm <= 0:
            continue
        v_pk = 0.5 * (swing_v if r.source.startswith("x") else sizing.full_scale_v)
        total += v_pk / r.r_ohm
    return total


def _opamps(
    sizing: Sizing,
    fs_hz: float,
    gbw: list[float],
    topologies: Sequence[str] | None,
    swing_v: float,
    load_cap_factor: float,
    tech: Technology,
    taps: int = 1,
    dc_gain_db: float | None = None,
) -> list[OpampPower]:
    n = len(sizing.c_f)
    if topologies is None and dc_gain_db is not None and dc_gain_db > MILLER_MAX_GAIN_DB:
        topologies = ["ff3"] * n
    elif topologies is None:
        first = "ff3" if sizing.snr_thermal_db >= HIGH_RES_SNR_DB else "miller"
        topologies = [first] + ["miller"] * (n - 1)
    elif len(topologies) != n:
        raise ValueError(f"{len(topologies)} opamp topologies for {n} integrators")
    return [
        opamp_power(
            gbw[i],
            load_cap_factor
            * _load_c_f(
                float(sizing.c_f[i]),
                float(sizing.opamp_en_v_rthz[i]),
                gbw[i],
                tech,
                sizing.temp_k,
            ),
            _load_ohm(sizing, i + 1),
            swing_v,
            float(sizing.opamp_en_v_rthz[i]),
            tech=tech,
            topology=topologies[i],
            i_feedback_a=_feedback_current_a(sizing, i + 1, swing_v, taps),
            temp_k=sizing.temp_k,
        )
        for i in range(n)
    ]


def _summer(
    form: str, levels: int, gbw_hz: float, swing_v: float, tech: Technology, temp_k: float
) -> OpampPower | None:
    """The active summer of a feed-forward loop (module doc), None for other forms."""
    if form != "FF":
        return None
    c_q = max(levels - 1, 1) * COMPARATOR_INPUT_C_F + C_NODE_F
    return opamp_power(gbw_hz, c_q, math.inf, swing_v, SUMMER_EN_V_RTHZ, tech=tech, temp_k=temp_k)


def _clocked_power(
    levels: int,
    v_ref_v: float,
    gates: int,
    fs_hz: float,
    chopper_f_hz: float | None,
    tech: Technology,
) -> dict[str, float]:
    """Quantizer, DEM/FIR logic, clock and chopper power, W."""
    n_comp = max(levels - 1, 1)
    dffs = (gates / GE_DFF if gates else 0.0) + n_comp
    c_chop = switch_gate_c_f(CHOPPER_R_ON_OHM, tech, "n")
    return {
        "quantizer": quantizer_power(levels, fs_hz, tech, v_ref_v),
        "dem_logic": logic_power(gates, tech, fs_hz),
        "clock": clock_power(dffs, tech, fs_hz),
        "chopper": (
            switching_power(CHOPPER_SWITCHES, c_chop, tech.vdd_v, chopper_f_hz)
            if chopper_f_hz
            else 0.0
        ),
    }


def _matched(source: str) -> bool:
    """Whether a loop resistor from ``source`` is drawn matched (design width): the input's
    and the DACs' resistors, whose ratios set the gain and the feedback; the states'
    resistors set coefficients within the sheet resistance's spread (docs/power.md)."""
    return source == "u" or source.startswith("dac")


def _area_blocks(
    sizing: Sizing, opamps: Sequence[OpampPower], tech: Technology, taps: int
) -> dict[str, float]:
    """Area of the analog blocks: capacitors, loop and DAC resistors, opamps, m^2."""
    return {
        "integrating_caps": sum(capacitor_area_m2(float(c), tech) for c in sizing.c_f),
        "loop_resistors": sum(
            resistor_area_m2(r.r_ohm, tech, matched=_matched(r.source))
            for r in sizing.resistors
            if not (r.stage == 1 and r.source == "dac1")
        ),
        "dac_resistors": sizing.dac_units
        * taps
        * resistor_area_m2(taps * sizing.dac_unit_r_ohm, tech),
        "opamps": sum(opamp_area_m2(o.devices, o.c_comp_f, tech, sizing.temp_k) for o in opamps),
    }


def estimate_cost(
    sizing: Sizing,
    *,
    fs_hz: float,
    levels: int,
    order: int,
    form: str = "FF",
    gbw_hz: float | Sequence[float] | None = None,
    gbw_ratio: float | None = None,
    chopper_f_hz: float | None = None,
    dac_type: str = "r_dac",
    fir_taps: int = 1,
    tech: Technology = GENERIC180,
    topologies: Sequence[str] | None = None,
    swing_v: float | None = None,
    load_cap_factor: float = 1.0,
    ref_decoupling_f: float = REF_DECOUPLING_F,
    vdd_v: float | None = None,
    dc_gain_db: float | None = None,
) -> Cost:
    """Power and area of a sized design (equations: docs/power.md).

    Parameters
    ----------
    sizing : Sizing
        Capacitors ``c_f`` (per side), resistors, DAC units and unit resistor, opamp noise
        densities, full scale.
    fs_hz : float
    levels : int
        Quantizer levels.
    order : int
        Loop-filter order (number of integrators and opamps).
    form : str
        Loop-filter form (``"FF"``, ``"FB"``, ...): ``"FF"`` adds the summer; the load of
        each opamp is read from the resistors themselves.
    gbw_hz : float or sequence of float, optional
        Opamp unity-gain bandwidth, one for all or one per integrator, Hz.
    gbw_ratio : float, optional
        GBW / fs (the requirements' ``gbw_ratio_min``) when ``gbw_hz`` is not given.
    chopper_f_hz : float, optional
        Chopping frequency of the first opamp; None when not chopped.
    dac_type : str
        One of :data:`ctdsm.models.dac.DAC_TYPES`; its class gives the switch size and
        switching (:class:`~ctdsm.models.dac.base.DacModel`).
    fir_taps : int
        Taps of an FIR feedback DAC (1: a plain DAC). The taps share the unit conductance
        (each tap's resistor ``taps R_u``), so the reference current is unchanged; the
        resistor area, the switches (at least minimum size) and the delay line grow.
    tech : Technology
    topologies : sequence of str, optional
        Opamp topology per integrator (``"miller"`` or ``"ff3"``); default: see the module.
    swing_v : float, optional
        Differential peak opamp output swing; default the process's largest.
    load_cap_factor : float
        Factor on the opamp capacitive load (the module doc).
    ref_decoupling_f : float
        On-chip decoupling of the DAC reference (MOS capacitor, gate-oxide density), F.
    vdd_v : float, optional
        Supply (``process.vdd_v``) of every term; default the process's ``tech.vdd_v``.
    dc_gain_db : float, optional
        Simulated DC-gain requirement; above ``MILLER_MAX_GAIN_DB`` every opamp is ff3.

    Returns
    -------
    Cost
    """
    n = len(sizing.c_f)
    if order != n:
        raise ValueError(f"order {order} but the sizing has {n} integrators")
    if dac_type not in DAC_MODELS:
        raise ValueError(f"dac_type {dac_type!r}; one of {', '.join(DAC_MODELS)}")
    if fir_taps < 1:
        raise ValueError("fir_taps must be at least 1")
    if vdd_v is not None:
        tech = dataclasses.replace(tech, vdd_v=float(vdd_v))
    swing = tech.max_swing_diff_v if swing_v is None else float(swing_v)
    if gbw_hz is not None:
        gbw = _per_stage(gbw_hz, n)
    else:
        gbw = [(gbw_ratio if gbw_ratio is not None else DEFAULT_GBW_RATIO) * fs_hz] * n
    opamps = _opamps(
        sizing, fs_hz, gbw, topologies, swing, load_cap_factor, tech, fir_taps, dc_gain_db
    )
    power: dict[str, float] = {f"opamp{i + 1}": o.power_w for i, o in enumerate(opamps)}
    summer = _summer(form, levels, gbw[-1], swing, tech, sizing.temp_k)
    if summer is not None:
        power["summing_amp"] = summer.power_w

    # The first DAC: reference current, switch drivers (per half, per tap).
    dac = DAC_MODELS[dac_type]
    units, r_u, v_ref = sizing.dac_units, sizing.dac_unit_r_ohm, sizing.full_scale_v
    # Every type keeps its unit resistors conducting all period (NRZ; the two RTO halves
    # alternate), so the reference current is that of an NRZ DAC.
    power["dac_reference"] = dac_reference_power(units, r_u, v_ref, tech.vdd_v)
    c_inv = _inverter_gate_f(fir_taps * r_u * dac.r_on_fraction, tech)
    n_gates = 2 * units * dac.driver_inverters * fir_taps  # two halves per element
    c_drive = c_inv * (1.0 + DRIVER_TAPER_OVERHEAD)
    power["dac_drivers"] = switching_power(n_gates, c_drive, tech.vdd_v, fs_hz, dac.driver_activity)

    gates = dwa_gate_count(units) + fir_gate_count(units, fir_taps)
    n_comp = max(levels - 1, 1)
    power.update(_clocked_power(levels, v_ref, gates, fs_hz, chopper_f_hz, tech))

    # Area.
    blocks = _area_blocks(sizing, [*opamps, *([summer] if summer else [])], tech, fir_taps)
    blocks |= {
        "dac_switches": n_gates * _inverter_area_m2(c_inv, tech),
        "quantizer": n_comp * tech.comparator_area_m2,
        "logic": gates * tech.logic_gate_area_m2,
        "ref_decoupling": ref_decoupling_f / tech.cox_f_per_m2,
    }
    area = breakdown_mm2(blocks, tech)
    return Cost(
        power_w=sum(power.values()),
        power_breakdown_w=power,
        area_mm2=sum(area.values()),
        area_breakdown_mm2=area,
        opamps=tuple(opamps),
        tech=tech.name,
    )


def predicted_performance(
    sizing: Sizing, peak_sqnr_db: float, peak_amplitude_dbfs: float
) -> tuple[float, float]:
    """Peak SNDR and dynamic range the design is sized for, dB.

    The in-band noise is the quantization noise at the peak-SQNR amplitude (taken as
    independent of the amplitude, as in the linear model) plus the thermal budget of the
    sizing: ``N = P_s(peak) 10^(-SQNR/10) + N_th``; then ``SNDR = P_s(peak) / N`` and
    ``DR = (V_fs^2 / 2) / N`` (a full-scale sine over the small-signal noise floor).

    Parameters
    ----------
    sizing : Sizing
        Full scale (differential peak, V) and ``total_noise_v2`` (in-band thermal, V^2).
    peak_sqnr_db, peak_amplitude_dbfs : float
        Peak SQNR of the ideal modulator and its amplitude.

    Returns
    -------
    sndr_db, dr_db : float
    """
    p_fs = sizing.full_scale_v**2 / 2.0
    p_peak = p_fs * 10.0 ** (peak_amplitude_dbfs / 10.0)
    noise = p_peak * 10.0 ** (-peak_sqnr_db / 10.0) + sizing.total_noise_v2
    return 10.0 * math.log10(p_peak / noise), 10.0 * math.log10(p_fs / noise)
