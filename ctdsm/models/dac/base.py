"""The interface every first-DAC type implements (:class:`DacModel`).

A DAC type is one subclass in one module (:mod:`.r_dac`, :mod:`.vgs_r`, :mod:`.rto`): its
name and the integer code the numba kernel branches on, its random edge draws, how it loads
the reference rails, and which virtual-ground samples its physics needs. The shared circuit
parameters and switch equations are :mod:`.physics`; the functions every tier calls
(:func:`~ctdsm.models.dac.terms.draw_mismatch`, :func:`~ctdsm.models.dac.terms.kernel_terms`,
...) dispatch to the type through :func:`~ctdsm.models.dac.registry.dac_model`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from ctdsm.models.dac.physics import R_ON_FRACTION, DacPhysics

__all__ = ["DacModel", "ElementWriter", "NetlistSwitches", "steering_lines"]


class ElementWriter(Protocol):
    """What a DAC type needs from the netlist generator to write its elements (the
    generator's context implements it: devices of the process, resistors with their noise)."""

    def nmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        """An NMOS ``n`` (drain, gate, source), bulk at ground."""
        ...

    def pmos(self, n: str, d: str, g: str, s: str, w_m: float, l_m: float) -> str:
        """A PMOS ``n`` (drain, gate, source), bulk at VDD."""
        ...

    def resistor(self, name: str, a: str, b: str, r_ohm: float) -> list[str]:
        """A resistor with its thermal noise."""
        ...

    def capacitor(self, name: str, a: str, b: str, c_f: float) -> str:
        """A capacitor."""
        ...


@dataclass(frozen=True)
class NetlistSwitches:
    """The first DAC's switches as the netlist sizes them, and their series resistances at
    the netlist's operating point (the unit resistors are trimmed by them).

    Attributes
    ----------
    w_n_m, w_p_m, w_zap_m, l_m : float
        Widths of the NMOS, PMOS and zap switches and their length, m.
    r_steer_ohm : float
        A steering NMOS with its source at ``V_cm``.
    r_nmos_refn_ohm, r_pmos_refp_ohm, r_tg_refp_ohm : float
        An NMOS with its source at VREFN, a PMOS at VREFP, a transmission gate at VREFP.
    vg_plus, vg_minus : str
        The first integrator's virtual grounds, in the order the DAC's sign feeds them.
    """

    w_n_m: float
    w_p_m: float
    w_zap_m: float
    l_m: float
    r_steer_ohm: float
    r_nmos_refn_ohm: float
    r_pmos_refp_ohm: float
    r_tg_refp_ohm: float
    vg_plus: str
    vg_minus: str


def steering_lines(
    out: ElementWriter, sw: NetlistSwitches, x: str, g: str, gb: str, c_node_f: float
) -> list[str]:
    """The four NMOS steering switches of one element's switch nodes ``{x}sp``/``{x}sn``
    (gate ``g`` steers P to the first virtual ground and N to the second, ``gb`` the other
    way round) and the nodes' parasitic capacitance: shared by vgs_r and the RTO sub-DACs."""
    vgp, vgm, w, l_m = sw.vg_plus, sw.vg_minus, sw.w_n_m, sw.l_m
    return [
        out.nmos(f"{x}a", f"{x}sp", g, vgp, w, l_m),
        out.nmos(f"{x}b", f"{x}sp", gb, vgm, w, l_m),
        out.nmos(f"{x}c", f"{x}sn", g, vgm, w, l_m),
        out.nmos(f"{x}d", f"{x}sn", gb, vgp, w, l_m),
        out.capacitor(f"{x}sp", f"{x}sp", "0", c_node_f),
        out.capacitor(f"{x}sn", f"{x}sn", "0", c_node_f),
    ]


class DacModel(ABC):
    """One first-DAC circuit type.

    Attributes
    ----------
    name : str
        The spec's ``dac.type``.
    code : int
        The type's code in :func:`ctdsm.sim.kernels.ct_kernel` (0 is the generic ideal DAC).
    single_bit : bool
        Single-bit by construction (two interleaved halves of one element).
    """

    name: ClassVar[str]
    code: ClassVar[int]
    single_bit: ClassVar[bool] = False
    #: The circuit tier's kind of half circuit (``ctdsm.sim.circuit``): 1 an inverter-driven
    #: node, 2 a node steered between the virtual grounds, 3 a floating (return-to-open) node.
    half_kind: ClassVar[int]
    #: Interleaved sub-DACs per element (2 for the dual return-to-open types).
    sub_dacs: ClassVar[int] = 1
    #: Switch on-resistance per unit resistor half, ``R_on,n / R_u`` (docs/models.md).
    r_on_fraction: ClassVar[float] = R_ON_FRACTION
    #: Driven inverters (an NMOS and a 2.5x PMOS each) or switch pairs per element half,
    #: for the power and area of the switch drivers (docs/power.md).
    driver_inverters: ClassVar[int] = 1
    #: Charges of each driven gate per clock period: random NRZ data charges a node with
    #: probability 1/4; a return-to-open switch closes and opens every period.
    driver_activity: ClassVar[float] = 0.25
    #: Each pulse disconnects the element at both ends (its clocks have reference phases).
    return_to_open: ClassVar[bool] = False
    #: The floating nodes are reset (zapped) before every reconnection.
    zapped: ClassVar[bool] = False

    def draw_delays_s(
        self, phys: DacPhysics, units: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rising and falling transition delays, (units, 2) each, s, drawn from ``rng``
        (none by default: the pulse edges are the clock's)."""
        zeros = np.zeros((units, 2))
        return zeros, zeros

    @abstractmethod
    def rail_path_ohm(self, phys: DacPhysics) -> float:
        """Large-signal resistance from a rail to the virtual ground through one half,
        ``(V_rail - V_cm) / I``, ohm."""

    def reference_packet(self, phys: DacPhysics) -> float:
        """Relative rail deviation per half transition (0: the load does not switch)."""
        return 0.0

    def recharge_per_period(self, phys: DacPhysics, fs_hz: float, c_float_f: float) -> float:
        """Relative charge lost per period recharging reset nodes (0: none)."""
        return 0.0

    @abstractmethod
    def needs_probe(self, t_on_mode: int) -> bool:
        """Whether the kernel must sample the virtual ground half a period in, for a pulse
        that starts at 0 (``t_on_mode`` 0), half a period in (1) or elsewhere (2)."""

    # -- the circuit tier (ctdsm.sim.circuit) ------------------------------------------------
    @abstractmethod
    def circuit_node_f(self, phys: DacPhysics, mismatch: dict[str, np.ndarray], half: int) -> float:
        """Capacitance of a half's dynamic node in the circuit tier, F (``half`` 0 = P)."""

    def circuit_gate_offsets_s(
        self, phys: DacPhysics, rise: np.ndarray, fall: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The part of the drawn delays (s) that the circuit tier applies as gate-event
        offsets (by default all of it)."""
        return rise, fall

    @abstractmethod
    def circuit_initial_config(self, half: int, s_init: float) -> int:
        """A half's switch configuration before the first period, for element data
        ``s_init`` (+-1)."""

    # -- the netlist (ctdsm.spice.netlist) ----------------------------------------------------
    @abstractmethod
    def netlist_element(
        self, out: ElementWriter, sw: NetlistSwitches, phys: DacPhysics, e: str, g: str,
        gb: str, r_el_ohm: float, phases: Mapping[str, str],
    ) -> list[str]:  # fmt: skip
        """One unit element ``e`` of the first DAC: its switches, resistors and nodes.

        Parameters
        ----------
        out : ElementWriter
        sw : NetlistSwitches
        phys : DacPhysics
        e : str
            Element name prefix.
        g, gb : str
            Its data gate nodes, true and complement (RTO: prefixes of the halves' gates).
        r_el_ohm : float
            The element's resistance per half (with its mismatch), before the switch trim.
        phases : mapping
            The DAC's clock-phase nodes (RTO: ``pha``, ``phab``, ``phb``, ``phbb``, and the
            zap phases ``zapa``, ``zapb``).
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
