"""The DAC's unit elements as half circuits: devices, topology, timing, initial state.

One unit element, both halves (P feeds ``+I``, N feeds ``-I``, ``I = V_ref / (2 R_u)``):

``r_dac``
    Per half an inverter (PMOS from VREFP, NMOS from VREFN) drives node ``a``
    (``c_node_f`` to ground); the unit resistor ``R_u`` runs from ``a`` to the half's
    virtual ground. The P half is high when the element's data is +1, the N half when -1.
``vgs_r``
    Per half ``R_u`` from its rail (P: VREFP, N: VREFN) to the switch node ``s``
    (``c_sw_f``); two NMOS steering switches from ``s`` to ``g_P`` and ``g_N``. For data
    +1 the P half feeds ``g_P`` and the N half ``g_N``; for -1 the other way round.
``dual_rto`` / ``zapped_dual_rto``
    Two sub-DACs A and B per element. Each half: a reference switch (PMOS on VREFP, NMOS
    on VREFN) to node ``r``, ``R_u`` from ``r`` to the floating node ``f`` (the half's
    ``c_float`` from :func:`ctdsm.models.dac.draw_mismatch`), steering NMOS from ``f`` to
    ``g_P`` / ``g_N`` as for ``vgs_r``, and (zapped) an NMOS from ``f`` to ``V_cm``. Sub-DAC
    A is connected in the first half of the pulse window ``[t0, t0 + 1/2)``, B in the
    second ``[t0 + 1/2, t0 + 1)``; otherwise both of its switches are open. The zap switch
    closes in ``[1/8, 3/8)`` of a period after the sub-DAC opens, well before it
    reconnects. Node ``r`` has no capacitance (an algebraic node).

Switches are sized (``W/L``) for ``r_on_n_ohm`` / ``r_on_p_ohm`` at full gate drive
(``Vgs = vdd``, source at 0), so the on-resistance at the real operating point is *not*
``r_on``: an NMOS passing ``VREFN = 0.4 V`` has ``Vgs - Vt = 0.95 V`` instead of 1.35 V
(``1.42 r_on``), and an NMOS at the virtual ground (0.9 V) only 0.45 V (``3 r_on``). That
difference is physics the kernel does not have; :func:`switch_resistances` lists it.

Timing: the gate events of data ``n`` happen at ``t_edge(n) + latency + offset``.
``latency`` (``latency_s``, default 25 ps) is a common clock-to-switch delay, larger than
every negative offset so that each edge stays inside its own period: a pure delay of the
whole DAC. The offsets come from :func:`ctdsm.models.dac.draw_mismatch`. Its r_dac
``delay_rise`` / ``delay_fall`` are "settling tau plus gate delay plus mismatch", so the
*gate* offset is the delay minus its RC part (the settling itself is simulated); vgs_r
steers each half at its drawn skew; RTO events have no offset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ctdsm.errors import CtdsmError
from ctdsm.models.dac import (
    DAC_MODELS,
    MU_N_COX,
    MU_P_COX,
    VT_V,
    DacPhysics,
    dac_model,
    draw_mismatch,
)
from ctdsm.models.dac import _switch_width_ratio as switch_width_ratio
from ctdsm.sim.circuit.events import _settle

DEFAULT_LATENCY_S = 25e-12


@dataclass(frozen=True)
class HalfCircuits:
    """Every half circuit of a DAC, as flat arrays for the compiled stepper.

    Half ``k``: NRZ types ``k = 2 e + h`` (element ``e``, half ``h``: 0 = P, 1 = N); RTO
    types ``k = 4 e + 2 a + h`` (sub-DAC ``a``: 0 = A, 1 = B).

    Attributes
    ----------
    physics : DacPhysics
    units : int
        Unit elements ``M``.
    hp : ndarray (nh, 4)
        Per half: node capacitance (F), unit resistor (ohm, ``R_u / w_e`` with element
        weight ``w_e``), NMOS and PMOS ``k = mu Cox W/L`` (A/V^2).
    hi : ndarray (nh, 2) of int
        Per half: kind (1 r_dac, 2 vgs_r, 3 RTO) and side (r_dac: the virtual ground it
        feeds, 0 = g_P; vgs_r/RTO: its rail, 0 = VREFP).
    rise_s, fall_s : ndarray (M, 2)
        Gate-event offsets after ``t_edge + latency`` of each element's half, s.
    rails_v : ndarray (2,)
        Nominal ``VREFP``, ``VREFN``, V.
    v_cm, vdd, latency_s, h0_s : float
        Common mode and supply (V), common clock-to-switch delay and first step after a
        gate event (s).
    """

    physics: DacPhysics
    units: int
    hp: np.ndarray
    hi: np.ndarray
    rise_s: np.ndarray
    fall_s: np.ndarray
    rails_v: np.ndarray
    v_cm: float
    vdd: float
    latency_s: float
    h0_s: float

    @property
    def code(self) -> int:
        """The DAC type's code (:attr:`ctdsm.models.dac.DacModel.code`)."""
        return dac_model(self.physics.type).code

    @property
    def zapped(self) -> bool:
        """True for ``zapped_dual_rto``."""
        return dac_model(self.physics.type).zapped

    @property
    def rto(self) -> bool:
        """True for the return-to-open types (two sub-DACs per element)."""
        return dac_model(self.physics.type).return_to_open


def switch_k(physics: DacPhysics, vdd_v: float) -> tuple[float, float]:
    """``(k_n, k_p)``: ``mu Cox W/L`` of the NMOS and PMOS switches, A/V^2.

    ``W/L`` is the one that gives ``r_on_n_ohm`` / ``r_on_p_ohm`` at full gate drive
    (``ctdsm.models.dac._switch_width_ratio``).
    """
    kn = MU_N_COX * switch_width_ratio(physics.r_on_n_ohm, MU_N_COX, vdd_v)
    kp = MU_P_COX * switch_width_ratio(physics.r_on_p_ohm, MU_P_COX, vdd_v)
    return kn, kp


def switch_resistances(physics: DacPhysics, vdd_v: float = 1.8) -> dict[str, float]:
    """Small-signal on-resistances of the switches at the circuit's operating point, ohm.

    ``1 / (k (Vgs - Vt))`` at ``Vds = 0``: the inverter PMOS at VREFP and NMOS at VREFN
    (r_dac, and the RTO reference switches), and the NMOS at the virtual ground (vgs_r and
    RTO steering, zap at ``V_cm``). Compare with ``r_on_n_ohm`` / ``r_on_p_ohm``, which hold
    at full gate drive.
    """
    kn, kp = switch_k(physics, vdd_v)
    vcm = 0.5 * vdd_v
    vrp, vrn = vcm + 0.5 * physics.v_ref_v, vcm - 0.5 * physics.v_ref_v
    return {
        "pmos_at_vrefp": 1.0 / (kp * (vrp - VT_V)),
        "nmos_at_vrefn": 1.0 / (kn * (vdd_v - vrn - VT_V)),
        "nmos_at_vcm": 1.0 / (kn * (vdd_v - vcm - VT_V)),
    }


def nominal_mismatch(physics: DacPhysics, units: int, fs_hz: float) -> dict[str, np.ndarray]:
    """What :func:`ctdsm.models.dac.draw_mismatch` returns with every random spread at
    zero."""
    quiet = replace(physics, edge_sigma_s=0.0, skew_sigma_s=0.0, c_float_sigma=0.0)
    return draw_mismatch(quiet, units, fs_hz, np.random.default_rng(0))


def half_circuits(
    physics: DacPhysics,
    mismatch: dict[str, np.ndarray],
    fs_hz: float,
    *,
    unit_w: np.ndarray | None = None,
    vdd_v: float = 1.8,
    latency_s: float = DEFAULT_LATENCY_S,
) -> HalfCircuits:
    """Build the half circuits of a DAC of ``M`` unit elements.

    Parameters
    ----------
    physics : DacPhysics
    mismatch : dict
        From :func:`ctdsm.models.dac.draw_mismatch` (``delay_rise``, ``delay_fall``:
        (M, 2) in periods; ``c_float``: (2,) F, the P and N halves' floating nodes, used
        for every element and both sub-DACs).
    fs_hz : float
        Clock frequency.
    unit_w : ndarray (M,), optional
        Element weights (mismatch): element ``e``'s resistors are ``R_u / w_e``.
    vdd_v : float
        Supply: gate drive and ``V_cm = vdd / 2``.
    latency_s : float
        Common clock-to-switch delay, s.

    Returns
    -------
    HalfCircuits

    Raises
    ------
    CtdsmError
        For an unknown DAC type, or a latency smaller than the earliest gate offset.
    """
    if physics.type not in DAC_MODELS:
        raise CtdsmError(f"dac.type: unknown DAC type {physics.type!r}")
    T = 1.0 / fs_hz
    rise = np.asarray(mismatch["delay_rise"], dtype=float) * T
    fall = np.asarray(mismatch["delay_fall"], dtype=float) * T
    M = rise.shape[0]
    w = np.ones(M) if unit_w is None else np.asarray(unit_w, dtype=float)
    rows, kinds = _half_rows(physics, mismatch, w, *switch_k(physics, vdd_v))
    rise, fall = _gate_offsets(physics, rise, fall)
    if latency_s + min(float(rise.min()), float(fall.min())) < 0.0:
        raise CtdsmError("latency_s: smaller than the earliest drawn gate offset")
    hp = np.array(rows, dtype=float)
    c_min = float(hp[:, 0].min())
    vcm = 0.5 * vdd_v
    return HalfCircuits(
        physics=physics,
        units=M,
        hp=hp,
        hi=np.array(kinds, dtype=np.int64),
        rise_s=np.ascontiguousarray(rise),
        fall_s=np.ascontiguousarray(fall),
        rails_v=np.array([vcm + 0.5 * physics.v_ref_v, vcm - 0.5 * physics.v_ref_v]),
        v_cm=vcm,
        vdd=float(vdd_v),
        latency_s=float(latency_s),
        h0_s=c_min * physics.r_on_n_ohm / 16.0,
    )


def _half_rows(
    physics: DacPhysics, mismatch: dict[str, np.ndarray], w: np.ndarray, kn: float, kp: float
) -> tuple[list[tuple[float, float, float, float]], list[tuple[int, int]]]:
    """The rows of :attr:`HalfCircuits.hp` and :attr:`HalfCircuits.hi`, half by half.

    Parameters
    ----------
    physics : DacPhysics
    mismatch : dict
        As for :func:`half_circuits` (RTO: ``c_float`` of the P and N halves).
    w : ndarray (M,)
        Element weights.
    kn, kp : float
        ``mu Cox W/L`` of the NMOS and PMOS switches, A/V^2.

    Returns
    -------
    rows : list of (C, R, k_n, k_p)
    kinds : list of (kind, side)
    """
    model = dac_model(physics.type)
    rows = []
    kinds = []
    for e in range(w.shape[0]):
        r = physics.r_unit_ohm / w[e]
        for _sub in range(model.sub_dacs):  # RTO: sub-DACs A and B
            for hf in range(2):
                rows.append((model.circuit_node_f(physics, mismatch, hf), r, kn, kp))
                kinds.append((model.half_kind, hf))
    return rows, kinds


def _gate_offsets(
    physics: DacPhysics, rise: np.ndarray, fall: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gate-event offsets from the drawn delays (s): what the circuit does not simulate.

    Parameters
    ----------
    physics : DacPhysics
    rise, fall : ndarray (M, 2)
        Drawn delays of each element's halves, s.

    Returns
    -------
    rise, fall : ndarray (M, 2)
        r_dac: the delays minus their settling part; vgs_r: unchanged; RTO: zero.
    """
    rise, fall = dac_model(physics.type).circuit_gate_offsets_s(physics, rise, fall)
    # Offsets below an attosecond are round-off of "drawn delay minus settling delay".
    rise = np.where(np.abs(rise) < 1e-18, 0.0, rise)
    fall = np.where(np.abs(fall) < 1e-18, 0.0, fall)
    return rise, fall


def _initial_state(
    hc: HalfCircuits, s_init: float, growth: float, h0_s: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The stepper's arrays with every element at ``s_init``, settled to DC.

    Parameters
    ----------
    hc : HalfCircuits
    s_init : float
        Element data before the first period, +-1 (RTO halves start open).
    growth : float
        Step growth ratio after a gate event.
    h0_s : float or None
        First step after a gate event, s (default ``hc.h0_s``).

    Returns
    -------
    cfg : ndarray (nh, 3) of int
        Per half: switch configuration (level or steered side, reference on, zap on).
    st : ndarray (nh, 3)
        Per half: dynamic node, RTO node ``r``, dynamic node one step back, V.
    rs : ndarray (10,)
        Rail state (see :func:`ctdsm.sim.circuit.devices._be_step`).
    env : ndarray (12,)
        Environment and step control (see :func:`ctdsm.sim.circuit.events._advance`).
    """
    nh = hc.hp.shape[0]
    cfg = np.zeros((nh, 3), dtype=np.int64)
    st = np.zeros((nh, 3))
    st[:, :] = hc.v_cm
    model = dac_model(hc.physics.type)
    for k in range(nh):
        cfg[k, 0] = model.circuit_initial_config(int(hc.hi[k, 1]), s_init)
    rails = hc.rails_v
    rs = np.array([0.0, 0.0, 0.0, 0.0, *rails, hc.physics.ref_r_ohm, hc.physics.ref_c_f, 0, 0])
    h0 = h0_s or hc.h0_s
    env = np.array([hc.v_cm, hc.v_cm, hc.v_cm, hc.vdd, VT_V, h0, growth, h0, h0, 0, 0, 1.0])
    vold = np.empty(nh)
    sc = np.empty((nh, 6))
    o = np.empty(20)
    _settle(hc.hp, hc.hi, cfg, st, vold, rs, env, sc, o, 40, 1e-7)
    return cfg, st, rs, env


def _element_mismatch(
    physics: DacPhysics, mismatch: dict[str, np.ndarray] | None, element: int, fs_hz: float
) -> dict[str, np.ndarray]:
    """Element ``element``'s share of a mismatch draw (nominal when ``mismatch`` is None)."""
    mm = nominal_mismatch(physics, element + 1, fs_hz) if mismatch is None else mismatch
    return {
        "delay_rise": np.asarray(mm["delay_rise"])[element : element + 1],
        "delay_fall": np.asarray(mm["delay_fall"])[element : element + 1],
        "c_float": np.asarray(mm["c_float"]),
    }


def _one_element(
    physics: DacPhysics,
    mismatch: dict[str, np.ndarray] | None,
    element: int,
    fs_hz: float,
    vdd_v: float,
    latency_s: float,
) -> HalfCircuits:
    """The half circuits of element ``element`` alone."""
    one = _element_mismatch(physics, mismatch, element, fs_hz)
    return half_circuits(physics, one, fs_hz, vdd_v=vdd_v, latency_s=latency_s)
