"""ngspice netlists of a design: the same circuit the behavioral model describes.

:func:`build_netlist` turns a :class:`ctdsm.Design` into a deterministic, fully differential
active-RC netlist that plain ``ngspice -b`` runs closed-loop (:class:`Netlist`);
:func:`write_netlist` writes it with its input files. One module per part of the circuit:

* :mod:`~ctdsm.spice.netlist.context`: what the sections share, resistors with their
  ``4 k T R`` noise, and the seeded noise table.
* :mod:`~ctdsm.spice.netlist.integrators`: **integrators**, one opamp macromodel per state
  (:mod:`ctdsm.spice.macromodels`: DC gain, GBW, the first opamp's non-dominant pole, output
  clamp, input-referred white and 1/f noise, offset), integrating capacitors ``C_i`` and
  resistors from ``design.sizing``; the **chopper** switches around the first opamp's
  input stage when ``chopper.enabled``.
* :mod:`~ctdsm.spice.netlist.dacs`: the **first DAC** per ``dac.type`` in MOS switches
  sized by :func:`ctdsm.models.dac.dac_physics`, element mismatch drawn from the seed;
  **later DACs** (FB form) ideal, as in the engine.
* :mod:`~ctdsm.spice.netlist.logic`: **quantizer and logic** in XSPICE (``adc_bridge``
  comparators with offsets from the seed, ``d_dff`` latches, DWA in gates, retiming for the
  loop delay, ``dac_bridge`` gate drivers: :mod:`ctdsm.spice.digital`) and the **clocks**:
  sampling at ``t_n = t_0 + n T`` (``t_0`` is ``T/2`` or ``T``, whichever puts the DAC edges
  on the noise sources' sample grid), the DAC pulse window ``[t_n + t0 T, t_n + t1 T)``
  from ``design.tdac``, RTO halves, zap and chop phases. With ``impairments.jitter_rms_s``
  every edge of the clock that times the first DAC moves by its own Gaussian draw (the
  engine's white, per-edge model).
* :mod:`~ctdsm.spice.netlist.build`: the assembly, the **input** (a differential sine at the
  engine's test frequency and amplitude), the simulator options; and
  :mod:`~ctdsm.spice.netlist.record`, the :class:`Netlist` record.

**Noise** (``noise_source``): ``trnoise`` sources by default (ngspice 39 cannot seed them, so
the noise waveforms differ from run to run; everything else is fixed by the seed), or
``"table"``: every noise source one column of a table drawn from the seed,
``<name>_noise.txt``, played by one XSPICE ``filesource``, so that a run repeats to the
last bit.

The code at each clock is written by ``wrdata`` at ``t_n + T/2``, half a period after the
sampling instant (``.options interp`` with a ``T/2`` step: two output points per clock).

What the behavioral engine has that the netlist leaves out: comparator hysteresis and
noise, the chopper's explicit charge-injection term (the MOS switches inject their own
charge instead).
"""

# The constants below stay importable from here as before the split (docs and tests name
# them so); the ``X as X`` form marks them as re-exports. K_BOLTZMANN is ctdsm.constants'.
from ctdsm.constants import K_BOLTZMANN as K_BOLTZMANN
from ctdsm.spice.netlist.build import CHGTOL_C as CHGTOL_C
from ctdsm.spice.netlist.build import OUTPUT_FILE, SPICE_OPTIONS, build_netlist, write_netlist
from ctdsm.spice.netlist.context import EDGE_S as EDGE_S
from ctdsm.spice.netlist.context import GF180_W_MAX_M as GF180_W_MAX_M
from ctdsm.spice.netlist.context import NOISE_SOURCES as NOISE_SOURCES
from ctdsm.spice.netlist.context import NOISE_STEPS as NOISE_STEPS
from ctdsm.spice.netlist.context import RETIME_S as RETIME_S
from ctdsm.spice.netlist.dacs import ZAP_TAUS as ZAP_TAUS
from ctdsm.spice.netlist.integrators import CHOP_SWITCH_W_M as CHOP_SWITCH_W_M
from ctdsm.spice.netlist.logic import SAMPLE_LATCH_S as SAMPLE_LATCH_S
from ctdsm.spice.netlist.record import Netlist

__all__ = ["Netlist", "build_netlist", "write_netlist", "OUTPUT_FILE", "SPICE_OPTIONS"]
