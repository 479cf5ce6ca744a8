"""The circuit tier: a fine-time-step nonlinear simulation of the first DAC and integrator.

The sampled-data engine (:mod:`ctdsm.sim.engine`) turns the first feedback DAC's physics
(:mod:`ctdsm.models.dac`) into per-period charge errors. This package simulates the
*circuit* those formulas stand for, from the same :class:`~ctdsm.models.dac.DacPhysics`
parameters, so that the formulas can be checked against it: MOS switches whose current
follows the square law at their actual terminal voltages, node parasitics, shared reference
rails with output resistance and decoupling, gate events with the drawn timing mismatch,
and virtual grounds at given voltages (:func:`unit_charge`) or held by the finite-gain,
finite-bandwidth opamp of the loop filter's physical plant (:func:`simulate_circuit`).

Modules, in the order of the data flow:

:mod:`~ctdsm.sim.circuit.devices`
    Square-law switches and one implicit (Newton) step of every half circuit and both
    reference rails (compiled).
:mod:`~ctdsm.sim.circuit.events`
    Gate events of the DAC and the variable-step BDF2 integration between them (compiled).
:mod:`~ctdsm.sim.circuit.elements`
    The unit elements as half circuits (:class:`HalfCircuits`, :func:`half_circuits`),
    switch sizing and the settled initial state.
:mod:`~ctdsm.sim.circuit.charges`
    One element's charge per period: :func:`unit_charge`, :func:`static_charge`,
    :func:`static_gain`, :func:`unit_error`.
:mod:`~ctdsm.sim.circuit.sampled_data`
    The sampled-data kernel's charge of the same element (:func:`sampled_data_charge`,
    :func:`kernel_dac_args`), for the cross-check.
:mod:`~ctdsm.sim.circuit.loop`
    The closed loop with the circuit DAC (:func:`simulate_circuit`), reading the design
    through its :class:`~ctdsm.sim.model.LoopModel`.

References
----------
S. Pavan, R. Schreier, G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2nd ed.,
Wiley/IEEE Press, 2017, ch. 8-9 (CT modulator DACs, active-RC integrators).
R. Schreier, G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005, ch. 8.
"""

from ctdsm.sim.circuit.charges import static_charge, static_gain, unit_charge, unit_error

# Private names that tests/sim/test_circuit.py reaches: the switch model and its leakage.
from ctdsm.sim.circuit.devices import _G_OFF as _G_OFF
from ctdsm.sim.circuit.devices import _mos as _mos
from ctdsm.sim.circuit.elements import (
    DEFAULT_LATENCY_S,
    HalfCircuits,
    half_circuits,
    nominal_mismatch,
    switch_k,
    switch_resistances,
)
from ctdsm.sim.circuit.loop import simulate_circuit
from ctdsm.sim.circuit.sampled_data import kernel_dac_args, sampled_data_charge

__all__ = [
    "DEFAULT_LATENCY_S",
    "HalfCircuits",
    "half_circuits",
    "switch_k",
    "switch_resistances",
    "nominal_mismatch",
    "static_gain",
    "static_charge",
    "unit_charge",
    "unit_error",
    "sampled_data_charge",
    "kernel_dac_args",
    "simulate_circuit",
]
