"""Power of the blocks of an active-RC CT delta-sigma modulator, from first-order circuit
equations and the process record (:class:`~ctdsm.models.technology.Technology`).

Every function is pure: numbers in, numbers out (SI units, names carry them). The equations,
their assumptions and the source of every default are in docs/power.md; the design-layer
:func:`ctdsm.design.cost.estimate_cost` applies them to a sized design.

Blocks
------
* Opamps (:func:`opamp_power`): a gm/Id sizing of a fully differential two-stage Miller or
  three-stage feed-forward topology from the required unity-gain bandwidth, capacitive and
  resistive load, output swing, slew rate and input-referred white noise.
* The first DAC: the current its unit resistors draw from the reference
  (:func:`dac_reference_power`) and the gates of its switches (:func:`switch_gate_c_f`,
  :func:`switching_power`).
* The quantizer (:func:`quantizer_power`): comparator decisions, preamps, reference ladder.
* Logic: DWA and FIR delay lines from gate counts (:func:`dwa_gate_count`,
  :func:`fir_gate_count`, :func:`logic_power`), the clock tree (:func:`clock_power`).

References
----------
.. [1] P. E. Allen and D. R. Holberg, *CMOS Analog Circuit Design*, 3rd ed., Oxford, 2012,
   sec. 6.2 (two-stage Miller opamp: ``Cc >= 0.22 C_L``, ``p2 >= 2.2 GBW``).
.. [2] B. Razavi, *Design of Analog CMOS Integrated Circuits*, 2nd ed., McGraw-Hill, 2017,
   ch. 7 (noise of a differential pair, ``gamma = 2/3``).
.. [3] B. K. Thandri and J. Silva-Martinez, "A robust feedforward compensation scheme for
   multistage operational transconductance amplifiers with no Miller capacitors," *IEEE
   JSSC*, vol. 38, no. 2, pp. 237-243, 2003.
.. [4] J. M. Rabaey, A. Chandrakasan and B. Nikolic, *Digital Integrated Circuits*, 2nd ed.,
   Prentice Hall, 2003, ch. 5 (dynamic power ``alpha C V^2 f``).
.. [5] S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
   2nd ed., Wiley-IEEE, 2017, ch. 8-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ctdsm.constants import K_BOLTZMANN, Q_ELECTRON
from ctdsm.models.technology import Technology

__all__ = [
    "TOPOLOGIES",
    "NOISE_EXCESS",
    "BIAS_OVERHEAD",
    "MILLER_CC_RATIO",
    "MILLER_P2_RATIO",
    "FF3_OUTPUT_MARGIN",
    "FF3_CC_RATIO",
    "FF3_STAGE2_RATIO",
    "REF_BUFFER_OVERHEAD",
    "LADDER_R_OHM",
    "GE_MUX2",
    "GE_FULL_ADDER",
    "GE_DFF",
    "LOGIC_ACTIVITY",
    "CLOCK_GE_PER_LOAD",
    "CLOCK_TREE_OVERHEAD",
    "Device",
    "OpampPower",
    "FT_GBW_RATIO",
    "IC_WEAK_EDGE",
    "input_gm_id_s_per_a",
    "gm_for_noise_s",
    "opamp_power",
    "dac_reference_power",
    "switch_gate_c_f",
    "switching_power",
    "quantizer_power",
    "dwa_gate_count",
    "fir_gate_count",
    "logic_power",
    "clock_power",
]

TOPOLOGIES = ("miller", "ff3")
#: Input-referred thermal noise of a differential pair with its active loads, as a factor on
#: that of the two input devices alone (loads at half the input gm: 1 + 1/2).
NOISE_EXCESS = 1.5
#: Bias branches and common-mode feedback, as a fraction of the signal-branch current.
BIAS_OVERHEAD = 0.2
#: Transit frequency of the input pair per unity-gain frequency: the input stage's internal
#: nodes (mirror, cascode) have their poles near ``f_T / 3``, which must stay at least three
#: times the unity-gain frequency (60 degrees of phase margin with the other poles).
FT_GBW_RATIO = 10.0
#: Inversion coefficient at the edge of weak inversion (EKV): below it ``gm/Id`` gains little
#: and the device area grows as ``1 / IC``.
IC_WEAK_EDGE = 0.1
#: Two-stage Miller: compensation capacitor per load capacitance, and the non-dominant pole
#: ``gm2 / C_L`` per unity-gain frequency, for 60 degrees of phase margin [1].
MILLER_CC_RATIO = 0.22
MILLER_P2_RATIO = 2.2
#: Three-stage feed-forward: the output stage's ``gm3 / C_L`` per unity-gain frequency (the
#: feed-forward path sets the unity-gain frequency, [3]), the first stage's internal
#: compensation capacitor per load capacitance, and the second stage's current per the first's.
FF3_OUTPUT_MARGIN = 1.5
FF3_CC_RATIO = 0.1
FF3_STAGE2_RATIO = 0.5
#: Quiescent current of the reference buffer per unit of the current it delivers.
REF_BUFFER_OVERHEAD = 0.3
#: Total resistance of a flash quantizer's reference ladder, ohm.
LADDER_R_OHM = 16e3
#: NAND2 gate equivalents of a 2:1 multiplexer, a full adder and a D flip-flop.
GE_MUX2 = 3
GE_FULL_ADDER = 7
GE_DFF = 6
#: Fraction of the logic's switched capacitance charged per clock period (random data).
LOGIC_ACTIVITY = 0.25
#: Clock-pin load of one clocked element in gate equivalents, and the buffers of the tree as a
#: fraction of the load they drive.
CLOCK_GE_PER_LOAD = 2
CLOCK_TREE_OVERHEAD = 0.5


@dataclass(frozen=True)
class Device:
    """One kind of signal transistor of an opamp (for the area model).

    Attributes
    ----------
    role : str
    kind : str
        ``"n"`` or ``"p"``.
    id_a : float
        Drain current of one device, A.
    gm_id_s_per_a : float
        Its ``gm/Id``, S/A.
    count : int
        How many such devices (both halves).
    """

    role: str
    kind: str
    id_a: float
    gm_id_s_per_a: float
    count: int


@dataclass(frozen=True)
class OpampPower:
    """The sizing and supply power of one fully differential opamp.

    Attributes
    ----------
    topology : str
        ``"miller"`` or ``"ff3"``.
    gm1_s : float
        Transconductance of one input device, S.
    gm1_limit : str
        What set ``gm1``: ``"noise"`` or ``"bandwidth"``.
    gm_out_s : float
        Transconductance of one output device, S.
    c_comp_f : float
        Compensation capacitor per side, F.
    stage_currents_a : tuple of float
        Current of each stage (both halves), A.
    bias_current_a : float
        Bias branches and CMFB, A.
    power_w : float
        ``V_DD (sum of stage currents + bias)``, W.
    devices : tuple of Device
    gbw_hz : float
        The unity-gain bandwidth it is sized for, Hz.
    gm_id_input_s_per_a : float
        ``gm/Id`` of its input pair (:func:`input_gm_id_s_per_a`), S/A.
    """

    topology: str
    gm1_s: float
    gm1_limit: str
    gm_out_s: float
    c_comp_f: float
    stage_currents_a: tuple[float, ...]
    bias_current_a: float
    power_w: float
    devices: tuple[Device, ...]
    gbw_hz: float = 0.0
    gm_id_input_s_per_a: float = 0.0

    @property
    def total_current_a(self) -> float:
        return sum(self.stage_currents_a) + self.bias_current_a


def input_gm_id_s_per_a(gbw_hz: float, tech: Technology, temp_k: float = 300.0) -> float:
    """``gm/Id`` of an opamp's (PMOS) input pair: the largest whose transit frequency is
    ``FT_GBW_RATIO`` times the unity-gain frequency, between the process's strong-inversion
    value and the edge of weak inversion.

    EKV in saturation, ``C_gs = (2/3) W L Cox``, ``s = sqrt(1 + 4 IC)``::

        f_T = gm / (2 pi C_gs) = 3 mu U_T (s - 1) / (4 pi L^2)
        =>  s = 1 + 4 pi L^2 FT_GBW_RATIO GBW / (3 mu U_T),   gm/Id = 2 / (n U_T (1 + s))

    with ``mu = mu_p Cox / Cox`` and ``L = l_analog``; clipped to
    ``[gm_id_strong, gm/Id(IC_WEAK_EDGE)]``. A slow opamp (audio) gets a weak-inversion input
    pair, the most ``gm`` per current for its noise; a fast one must move toward strong
    inversion and pays current for the same noise.

    Returns
    -------
    float
        S/A.
    """
    u_t = K_BOLTZMANN * temp_k / Q_ELECTRON
    mu = tech.mu_p_cox_a_per_v2 / tech.cox_f_per_m2
    s = 1.0 + 4.0 * math.pi * tech.l_analog_m**2 * FT_GBW_RATIO * gbw_hz / (3.0 * mu * u_t)
    s_weak = math.sqrt(1.0 + 4.0 * IC_WEAK_EDGE)
    s = max(s, s_weak)
    gm_id = 2.0 / (tech.slope_factor * u_t * (1.0 + s))
    return max(gm_id, tech.gm_id_strong_s_per_a)


def gm_for_noise_s(en_v_rthz: float, temp_k: float, noise_excess: float = NOISE_EXCESS) -> float:
    """Input-device transconductance for a differential input-referred white noise density.

    Each of the two input devices contributes ``4 k T gamma / gm`` (``gamma = 2/3``, long
    channel in saturation [2]); the loads add ``noise_excess - 1`` of that::

        e_n^2 = noise_excess * 2 * 4 k T (2/3) / gm   =>   gm = noise_excess 16 k T / (3 e_n^2)

    Parameters
    ----------
    en_v_rthz : float
        Differential input-referred density, V/sqrt(Hz).
    temp_k : float
    noise_excess : float

    Returns
    -------
    float
        ``gm`` of one input device, S.
    """
    return noise_excess * 16.0 * K_BOLTZMANN * temp_k / (3.0 * en_v_rthz**2)


def _load_current_a(
    swing_v: float, r_load_ohm: float, i_feedback_a: float, c_total_f: float, slew_v_per_s: float
) -> float:
    """Current of one output half: the resistive load at the peak swing plus the feedback
    current, or the slew current, whichever is larger."""
    i_res = 0.0 if not math.isfinite(r_load_ohm) else 0.5 * swing_v / r_load_ohm
    return max(i_res + i_feedback_a, c_total_f * slew_v_per_s)


def opamp_power(
    gbw_hz: float,
    c_load_f: float,
    r_load_ohm: float,
    swing_v: float,
    en_v_rthz: float,
    *,
    tech: Technology,
    topology: str = "miller",
    slew_v_per_s: float = 0.0,
    i_feedback_a: float = 0.0,
    temp_k: float = 300.0,
) -> OpampPower:
    """Supply power of a fully differential opamp sized by gm/Id.

    Common to both topologies: the input device's ``gm1 >= gm_for_noise_s(e_n)``; an output
    half must carry ``I_load = (V_swing / 2) / R_load + I_fb`` (peak single-ended swing into
    the per-side load, plus the integrator's input current, which flows through its
    capacitor into the output) and ``(C_L + C_c) SR``; currents follow as
    ``I = gm / (gm/Id)`` with the process's moderate-inversion ``gm/Id`` for the input pair
    and strong-inversion ``gm/Id`` for the output stages. Power
    ``P = V_DD (1 + BIAS_OVERHEAD) sum(I)``.

    ``"miller"`` (two stages, nulling resistor) [1]::

        C_c = max(MILLER_CC_RATIO C_L, gm1 / (2 pi GBW)),   gm1 = max(gm_noise, 2 pi GBW 0.22 C_L)
        gm2 = MILLER_P2_RATIO 2 pi GBW C_L                   (non-dominant pole at 2.2 GBW)
        I_1 = 2 gm1 / (gm/Id)_mod,   I_2 = 2 max(gm2 / (gm/Id)_strong, I_load)

    ``"ff3"`` (three stages, feed-forward compensation, first stage the low-noise, e.g.
    chopped, gain stage) [3]::

        gm1 = max(gm_noise, 2 pi GBW FF3_CC_RATIO C_L),     I_1 = 2 gm1 / (gm/Id)_mod
        I_2 = FF3_STAGE2_RATIO I_1                           (intermediate gain stage)
        gm3 = FF3_OUTPUT_MARGIN 2 pi GBW C_L
        I_3 = 2 max(gm3 / (gm/Id)_strong, I_load)

    Parameters
    ----------
    gbw_hz : float
        Required unity-gain bandwidth, Hz.
    c_load_f : float
        Capacitive load per side, F.
    r_load_ohm : float
        Resistive load per side (every resistor the output drives, in parallel), ohm;
        ``inf`` for none.
    swing_v : float
        Differential peak output swing, V.
    en_v_rthz : float
        Differential input-referred white noise density, V/sqrt(Hz).
    tech : Technology
    topology : {"miller", "ff3"}
    slew_v_per_s : float
        Required output slew rate, V/s.
    i_feedback_a : float
        Peak current per half through the feedback (integrating) capacitor, A.
    temp_k : float

    Returns
    -------
    OpampPower
    """
    if topology not in TOPOLOGIES:
        raise ValueError(f"opamp topology {topology!r}; one of {', '.join(TOPOLOGIES)}")
    w_u = 2.0 * math.pi * gbw_hz
    gm_noise = gm_for_noise_s(en_v_rthz, temp_k)
    gmid_in = input_gm_id_s_per_a(gbw_hz, tech, temp_k)
    gmid_out = tech.gm_id_strong_s_per_a
    cc_ratio = MILLER_CC_RATIO if topology == "miller" else FF3_CC_RATIO
    gm_bw = w_u * cc_ratio * c_load_f
    gm1 = max(gm_noise, gm_bw)
    limit = "noise" if gm_noise >= gm_bw else "bandwidth"
    c_c = gm1 / w_u
    i1 = 2.0 * gm1 / gmid_in
    if topology == "miller":
        gm_out = MILLER_P2_RATIO * w_u * c_load_f
        i_half = max(
            gm_out / gmid_out,
            _load_current_a(swing_v, r_load_ohm, i_feedback_a, c_load_f + c_c, slew_v_per_s),
        )
        stages: tuple[float, ...] = (i1, 2.0 * i_half)
        devices: tuple[Device, ...] = (
            Device("input", "p", gm1 / gmid_in, gmid_in, 2),
            Device("output", "n", i_half, gmid_out, 2),
        )
    else:
        gm_out = FF3_OUTPUT_MARGIN * w_u * c_load_f
        i2 = FF3_STAGE2_RATIO * i1
        i_half = max(
            gm_out / gmid_out,
            _load_current_a(swing_v, r_load_ohm, i_feedback_a, c_load_f, slew_v_per_s),
        )
        stages = (i1, i2, 2.0 * i_half)
        gmid_2 = tech.gm_id_moderate_s_per_a
        devices = (
            Device("input", "p", gm1 / gmid_in, gmid_in, 2),
            Device("stage2", "n", i2 / 2.0, gmid_2, 2),
            Device("output", "n", i_half, gmid_out, 2),
        )
    bias = BIAS_OVERHEAD * sum(stages)
    power = tech.vdd_v * (sum(stages) + bias)
    return OpampPower(
        topology, gm1, limit, gm_out, c_c, stages, bias, power, devices, gbw_hz, gmid_in
    )


def dac_reference_power(
    units: int,
    unit_r_ohm: float,
    v_ref_v: float,
    vdd_v: float,
    *,
    duty: float = 1.0,
    buffer_overhead: float = REF_BUFFER_OVERHEAD,
) -> float:
    """Supply power of the reference current of a resistor DAC and its buffer.

    Each unit element has a resistor ``R_u`` per side between a rail (``V_cm +- V_ref / 2``)
    and the virtual ground (``V_cm``): ``V_ref / (2 R_u)`` per resistor, whatever the code.
    The two sides of an element take complementary rails, so ``units`` resistors hang on
    ``VREFP`` at every code; their current comes from ``V_DD`` through the buffer (the ``VREFN``
    current returns to ground)::

        I_ref = duty * units * V_ref / (2 R_u),   P = V_DD I_ref (1 + buffer_overhead)

    The average over codes is therefore the value at any code (code-independent).
    ``duty`` is the fraction of the period a resistor conducts (1 for NRZ and for a dual
    return-to-open DAC, whose two halves alternate).

    Parameters
    ----------
    units : int
    unit_r_ohm : float
        Unit resistor per side, ohm.
    v_ref_v : float
        Differential reference, V.
    vdd_v : float
    duty : float
    buffer_overhead : float

    Returns
    -------
    float
        W.
    """
    i_ref = duty * units * v_ref_v / (2.0 * unit_r_ohm)
    return vdd_v * i_ref * (1.0 + buffer_overhead)


def switch_gate_c_f(
    r_on_ohm: float, tech: Technology, kind: str = "n", w_min_m: float = 0.0
) -> float:
    """Gate capacitance of a minimum-length switch sized for an on-resistance.

    Square law in deep triode at full gate drive [2]::

        W = L / (mu Cox (V_DD - V_T) R_on),   C_g = W L Cox + 2 W C_ov

    (``W >= w_min_m``; the overlaps on both terminals, the drain's Miller-doubled swing
    ignored).

    Returns
    -------
    float
        F.
    """
    mu_cox, vt = (
        (tech.mu_n_cox_a_per_v2, tech.vt_n_v)
        if kind == "n"
        else (tech.mu_p_cox_a_per_v2, tech.vt_p_v)
    )
    length = tech.l_min_m
    w = max(length / (mu_cox * (tech.vdd_v - vt) * r_on_ohm), w_min_m)
    return w * length * tech.cox_f_per_m2 + 2.0 * w * tech.c_overlap_f_per_m


def switching_power(
    count: float, c_f: float, vdd_v: float, f_hz: float, activity: float = 1.0
) -> float:
    """Dynamic power ``P = activity count C V_DD^2 f`` [4] (``activity``: charges of ``C`` per
    period of ``f``), W."""
    return activity * count * c_f * vdd_v**2 * f_hz


def quantizer_power(
    levels: int,
    fs_hz: float,
    tech: Technology,
    v_ref_v: float,
    ladder_r_ohm: float = LADDER_R_OHM,
) -> float:
    """Supply power of a flash quantizer::

        n_c = levels - 1,   P = n_c E_dec fs + V_DD (n_c I_pre + I_ladder)
        I_ladder = V_ref / R_ladder  (levels > 2; a single-bit quantizer compares with zero)

    Parameters
    ----------
    levels : int
    fs_hz : float
    tech : Technology
        ``comparator_energy_j``, ``comparator_preamp_a``, ``vdd_v``.
    v_ref_v : float
        Differential reference across the ladder, V.
    ladder_r_ohm : float

    Returns
    -------
    float
        W.
    """
    n_c = max(levels - 1, 1)
    i_ladder = v_ref_v / ladder_r_ohm if levels > 2 else 0.0
    return n_c * tech.comparator_energy_j * fs_hz + tech.vdd_v * (
        n_c * tech.comparator_preamp_a + i_ladder
    )


def dwa_gate_count(units: int) -> int:
    """NAND2 gate equivalents of data-weighted averaging for ``units`` elements.

    ``b = ceil(log2 units)`` bits: a barrel shifter of ``units b`` 2:1 multiplexers, a
    ``b``-bit pointer adder with its register, an output register of ``units`` flip-flops::

        GE = units b GE_MUX2 + b (GE_FULL_ADDER + GE_DFF) + units GE_DFF

    0 for a single element (no DEM).
    """
    if units <= 1:
        return 0
    b = math.ceil(math.log2(units))
    return units * b * GE_MUX2 + b * (GE_FULL_ADDER + GE_DFF) + units * GE_DFF


def fir_gate_count(units: int, taps: int) -> int:
    """NAND2 gate equivalents of an FIR DAC's delay line: ``(taps - 1) units`` flip-flops."""
    return max(taps - 1, 0) * units * GE_DFF


def logic_power(
    gates: float, tech: Technology, fs_hz: float, activity: float = LOGIC_ACTIVITY
) -> float:
    """Dynamic power of clocked logic, ``activity gates C_gate V_DD^2 fs`` [4], W."""
    return switching_power(gates, tech.logic_c_gate_f, tech.vdd_v, fs_hz, activity)


def clock_power(clocked_loads: float, tech: Technology, fs_hz: float) -> float:
    """Clock distribution: every clocked element presents ``CLOCK_GE_PER_LOAD`` gate loads,
    the tree's buffers add ``CLOCK_TREE_OVERHEAD``, and the net charges once per period::

        P = loads CLOCK_GE_PER_LOAD C_gate (1 + CLOCK_TREE_OVERHEAD) V_DD^2 fs
    """
    c_clk = clocked_loads * CLOCK_GE_PER_LOAD * tech.logic_c_gate_f * (1.0 + CLOCK_TREE_OVERHEAD)
    return switching_power(1.0, c_clk, tech.vdd_v, fs_hz)
