"""Process parameters for the power and area models: one frozen record per process.

Every value is in SI units and its name carries the unit. ``GENERIC180`` holds representative
textbook values of a 1.8 V 180 nm CMOS process (the same process the behavioral DAC models
and the embedded ngspice card describe: its ``mu Cox`` and ``|V_T|`` are the constants of
:mod:`ctdsm.models.dac.physics`); ``GF180MCU`` holds the values of the open GlobalFoundries
180 nm MCU PDK with its 3.3 V devices (``nfet_03v3``/``pfet_03v3``), read from its ngspice
model cards (``sm141064.ngspice``, typical sections) or, where the cards do not say, stated
as estimates. docs/power.md gives the source or the reasoning of every value.

References
----------
.. [1] B. Razavi, *Design of Analog CMOS Integrated Circuits*, 2nd ed., McGraw-Hill, 2017.
.. [2] C. C. Enz and E. A. Vittoz, *Charge-Based MOS Transistor Modeling*, Wiley, 2006
   (the inversion coefficient and ``gm/Id``).
.. [3] GlobalFoundries, gf180mcu_fd_pr ngspice models, ``sm141064.ngspice`` and
   ``sm141064_mim.ngspice`` (Apache-2.0), https://github.com/google/gf180mcu-pdk.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctdsm.errors import SpecError
from ctdsm.models.dac.physics import MU_N_COX, MU_P_COX, VT_V

__all__ = ["Technology", "GENERIC180", "GF180MCU", "TECHNOLOGIES", "technology"]


@dataclass(frozen=True)
class Technology:
    """The process facts the power and area models use (SI units).

    Attributes
    ----------
    name : str
        PDK name (``spec.process.pdk``).
    vdd_v : float
        Supply of the analog and digital blocks, V.
    gm_id_moderate_s_per_a : float
        ``gm/Id`` of gain-setting devices (the second stage of a three-stage opamp), moderate
        inversion; an input pair's follows from its transit frequency
        (:func:`ctdsm.models.power.input_gm_id_s_per_a`).
    gm_id_strong_s_per_a : float
        ``gm/Id`` of speed-setting devices (opamp output stages), toward strong inversion;
        the lowest an input pair is given.
    slope_factor : float
        Subthreshold slope factor ``n`` (EKV), for the inversion coefficient.
    mu_n_cox_a_per_v2, mu_p_cox_a_per_v2 : float
        Mobility times gate capacitance per area, NMOS and PMOS, A/V^2.
    vt_n_v, vt_p_v : float
        Threshold magnitudes, V.
    l_min_m : float
        Minimum drawn channel length, m.
    l_analog_m : float
        Channel length of the opamp devices (gain and matching), m.
    cox_f_per_m2 : float
        Gate-oxide capacitance per area, F/m^2.
    c_overlap_f_per_m : float
        Gate-drain (= gate-source) overlap capacitance per width, F/m.
    mim_f_per_m2 : float
        MIM capacitor density, F/m^2.
    res_sheet_ohm_per_sq : float
        Sheet resistance of the high-resistance poly resistor, ohm/square.
    res_w_min_m : float
        Minimum drawn width of that resistor, m.
    res_w_design_m : float
        Width of the matched resistors (the input and DAC resistors: width variation and
        mismatch), m; the other loop resistors are drawn at ``res_w_min_m``.
    res_head_m : float
        Length of one contact head of a resistor, m.
    res_space_m : float
        Spacing between resistor strips, m.
    comparator_energy_j : float
        Energy of one comparator decision (regenerative latch and its reset), J.
    comparator_preamp_a : float
        Static bias current of one comparator preamplifier, A.
    comparator_area_m2 : float
        Area of one comparator (preamp, latch, output latch), m^2.
    logic_c_gate_f : float
        Switched capacitance of one NAND2-equivalent gate with its wiring, F.
    logic_gate_area_m2 : float
        Area of one NAND2-equivalent standard cell, m^2.
    swing_headroom_v : float
        Distance from each rail an opamp output can reach at full gain, V.
    area_overhead : float
        Routing, guard rings, bias and decoupling as a factor on the summed block areas.
    c_int_max_f : float
        Process bound: largest integrating capacitor per side, F.
    c_total_max_f : float
        Process bound: largest total integrating capacitance (every integrator, both
        sides), F.
    r_min_ohm : float
        Process bound: smallest loop-filter or DAC unit resistor per side, ohm.
    dac_unit_i_max_a : float
        Process bound: largest current of one first-DAC unit element per half, A.
    dac_total_i_max_a : float
        Process bound: largest current of the whole first DAC per half (what the reference
        buffer delivers), A.
    area_max_mm2 : float
        Process bound: largest modelled area of the modulator, mm^2.

    The bounds (``ctdsm.design.bounds``; reasoning in docs/power.md) are what a designer of
    a 180 nm precision modulator would defend, not what the process forbids.
    """

    name: str
    vdd_v: float
    gm_id_moderate_s_per_a: float
    gm_id_strong_s_per_a: float
    slope_factor: float
    mu_n_cox_a_per_v2: float
    mu_p_cox_a_per_v2: float
    vt_n_v: float
    vt_p_v: float
    l_min_m: float
    l_analog_m: float
    cox_f_per_m2: float
    c_overlap_f_per_m: float
    mim_f_per_m2: float
    res_sheet_ohm_per_sq: float
    res_w_min_m: float
    res_w_design_m: float
    res_head_m: float
    res_space_m: float
    comparator_energy_j: float
    comparator_preamp_a: float
    comparator_area_m2: float
    logic_c_gate_f: float
    logic_gate_area_m2: float
    swing_headroom_v: float
    area_overhead: float
    c_int_max_f: float
    c_total_max_f: float
    r_min_ohm: float
    dac_unit_i_max_a: float
    dac_total_i_max_a: float
    area_max_mm2: float

    @property
    def max_swing_diff_v(self) -> float:
        """Largest differential peak output swing of a fully differential opamp,
        ``V_DD - 2 V_headroom``, V: each output swings ``(V_DD - 2 V_headroom) / 2`` about
        mid-supply, and the two move in opposition."""
        return self.vdd_v - 2.0 * self.swing_headroom_v


# The process bounds, the same for both processes (docs/power.md gives the reasoning):
# C_i <= 250 pF per side (0.25 mm^2 of 1 fF/um^2 MIM, 0.5 mm^2 per integrator, and a load
# the opamp drives at GBW); 2 sum(C_i) <= 1.5 nF (three such integrators, 1.5 mm^2);
# R >= 300 ohm (below, switch, contact and wiring resistance, tens of ohms with their own
# spread and temperature coefficient, are percents of R); a unit DAC element <= 1 mA per
# half and the DAC <= 2 mA per half (the reference buffer settles it every clock edge; a
# reference ground bounce of I R_wire); area <= 4 mm^2 (1.4x the 2.85 mm^2 of the 2019
# 103.5 dB chip).
_BOUNDS = {
    "c_int_max_f": 250e-12,
    "c_total_max_f": 1.5e-9,
    "r_min_ohm": 300.0,
    "dac_unit_i_max_a": 1e-3,
    "dac_total_i_max_a": 2e-3,
    "area_max_mm2": 4.0,
}


#: Generic 180 nm, 1.8 V (representative textbook values; docs/power.md).
GENERIC180 = Technology(
    name="generic180",
    vdd_v=1.8,
    gm_id_moderate_s_per_a=15.0,
    gm_id_strong_s_per_a=10.0,
    slope_factor=1.3,
    mu_n_cox_a_per_v2=MU_N_COX,
    mu_p_cox_a_per_v2=MU_P_COX,
    vt_n_v=VT_V,
    vt_p_v=VT_V,
    l_min_m=0.18e-6,
    l_analog_m=0.5e-6,
    cox_f_per_m2=8.4e-3,  # tox 4.1 nm, as the embedded card (ctdsm/spice/process.py)
    c_overlap_f_per_m=3.5e-10,  # cgso of the embedded NMOS card
    mim_f_per_m2=1.0e-3,  # 1 fF/um^2
    res_sheet_ohm_per_sq=1000.0,
    res_w_min_m=0.5e-6,
    res_w_design_m=2.0e-6,
    res_head_m=1.0e-6,
    res_space_m=0.5e-6,
    comparator_energy_j=0.3e-12,
    comparator_preamp_a=10e-6,
    comparator_area_m2=1500e-12,  # 1500 um^2
    logic_c_gate_f=5e-15,
    logic_gate_area_m2=12e-12,  # 12 um^2
    swing_headroom_v=0.3,
    area_overhead=1.5,
    **_BOUNDS,
)

#: GlobalFoundries 180 nm MCU, 3.3 V devices (model cards and stated estimates).
GF180MCU = Technology(
    name="gf180mcu",
    vdd_v=3.3,
    gm_id_moderate_s_per_a=15.0,
    gm_id_strong_s_per_a=10.0,
    slope_factor=1.35,
    # u0 x Cox of the typical cards, long wide bins (nfet_03v3.15: u0 0.0401 m^2/Vs, toxe
    # 8.0 nm; pfet_03v3.15: u0 0.01098 m^2/Vs, toxe 7.9 nm).
    mu_n_cox_a_per_v2=173e-6,
    mu_p_cox_a_per_v2=48e-6,
    vt_n_v=0.65,
    vt_p_v=0.77,
    l_min_m=0.28e-6,
    l_analog_m=0.7e-6,
    cox_f_per_m2=4.32e-3,  # 3.9 eps0 / 8.0 nm
    c_overlap_f_per_m=1.0e-10,  # cgso of nfet_03v3
    mim_f_per_m2=1.99e-3,  # cap_mim_2f0fF: c_cox = 1.99e-3 F/m^2
    res_sheet_ohm_per_sq=1000.0,  # ppolyf_u_1k: rsh 1000 ohm/sq (res_typical)
    res_w_min_m=1.0e-6,
    res_w_design_m=2.0e-6,
    res_head_m=1.5e-6,
    res_space_m=0.6e-6,
    comparator_energy_j=1.0e-12,
    comparator_preamp_a=10e-6,
    comparator_area_m2=3000e-12,
    logic_c_gate_f=10e-15,
    logic_gate_area_m2=25e-12,
    swing_headroom_v=0.4,
    area_overhead=1.5,
    **_BOUNDS,
)

TECHNOLOGIES: dict[str, Technology] = {t.name: t for t in (GENERIC180, GF180MCU)}


def technology(pdk: str) -> Technology:
    """The :class:`Technology` of ``pdk`` (``"generic180"`` or ``"gf180mcu"``).

    Raises
    ------
    SpecError
        For an unknown PDK name (field ``process.pdk``).
    """
    try:
        return TECHNOLOGIES[pdk]
    except KeyError:
        names = ", ".join(TECHNOLOGIES)
        raise SpecError("process.pdk", f"unknown PDK {pdk!r}; one of {names}") from None
