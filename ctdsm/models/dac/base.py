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
from typing import ClassVar

import numpy as np

from ctdsm.models.dac.physics import DacPhysics

__all__ = ["DacModel"]


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

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
