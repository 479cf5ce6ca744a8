"""What the engines receive: :class:`LoopModel`, the modulator as a simulator sees it.

A :class:`LoopModel` gathers, once and typed, everything the sampled-data engine and the
circuit tier need from a design: the scaled CT loop filter and its timing, the volt scales,
the quantizer, the DAC and chopper settings, the process facts of the DAC physics, the
sizing (noise sources, capacitors, unit resistors) and the defaults of a run. Engines read
these fields and never the spec. :func:`loop_model` makes one from a finished
:class:`~ctdsm.design.record.Design`; synthesis makes one from its parts with
:func:`model_from_parts` before the design exists (its ideal runs need no sizing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ctdsm.analysis import tone_frequency_hz
from ctdsm.design.sizing import Sizing, volt_scales
from ctdsm.design.spec import Spec, full_scale_value
from ctdsm.errors import CtdsmError
from ctdsm.models.chopper import half_period_cycles, spec_chop_frequency_hz
from ctdsm.models.impairments import Impairments, resolve_impairments

if TYPE_CHECKING:
    from ctdsm.design.record import Design

__all__ = ["LoopModel", "loop_model", "model_from_parts", "as_loop_model"]


@dataclass(frozen=True, eq=False)
class LoopModel:
    """A CT delta-sigma modulator as the engines see it.

    Attributes
    ----------
    name : str
    fs_hz, bw_hz, f0_hz : float
        Clock, signal bandwidth and band centre (0 for low-pass), Hz.
    levels : int
        Quantizer levels.
    abcdc : ndarray (n+1, n+1+m)
        Scaled CT ABCD (toolbox layout, time normalized to ``1/fs``).
    tdac : ndarray (1+m, 2)
        DAC timing rows, clock periods.
    xlim : float
        Scaled state limit (the opamps' allowed swing).
    k_u_v : float
        Volts per toolbox unit of the input and the DACs (differential).
    k_x_v : ndarray (n,)
        Volts per unit of each integrator state (differential).
    full_scale_v, vdd_v : float
        DAC full scale (differential peak) and supply, V.
    dac_type, dem : str
        First DAC's circuit (``spec.dac.type``) and its element selection (``"none"``,
        ``"dwa"``).
    f_chop_hz : float or None
        Chopping frequency of the first opamp, Hz; None when it is not chopped.
    chop_phase : float
        Chop edges' offset from the sampling instants, clock periods.
    sizing : Sizing or None
        Components and noise budget; None before sizing (ideal runs during synthesis).
    n_samples, amplitude_dbfs, seed, fin_hz, impairments
        Defaults of a run (``spec.simulation`` and ``spec.impairments``); ``fin_hz`` is
        ``"auto"`` or Hz.
    """

    name: str
    fs_hz: float
    bw_hz: float
    f0_hz: float
    levels: int
    abcdc: np.ndarray
    tdac: np.ndarray
    xlim: float
    k_u_v: float
    k_x_v: np.ndarray
    full_scale_v: float
    vdd_v: float
    dac_type: str
    dem: str
    f_chop_hz: float | None
    chop_phase: float
    sizing: Sizing | None
    n_samples: int
    amplitude_dbfs: float
    seed: int
    fin_hz: float | str
    impairments: Impairments

    @property
    def order(self) -> int:
        """Loop-filter order (number of integrators)."""
        return int(self.abcdc.shape[0] - 1)

    def test_frequency(self, n_samples: int) -> float:
        """The test tone of a record of ``n_samples``, Hz
        (:func:`~ctdsm.analysis.tone_frequency_hz`)."""
        return tone_frequency_hz(self.fs_hz, n_samples, self.bw_hz, self.f0_hz, self.fin_hz)

    def sized(self) -> Sizing:
        """The sizing, or an error naming what needs it."""
        if self.sizing is None:
            raise CtdsmError("impairments: noise and DAC physics need a sized design")
        return self.sizing


def model_from_parts(
    spec: Spec, abcdc: np.ndarray, tdac: np.ndarray, levels: int, fs_hz: float,
    sizing: Sizing | None = None,
) -> LoopModel:  # fmt: skip
    """A :class:`LoopModel` from a spec and a realized loop filter (the one place that reads
    the spec for the engines).

    Raises
    ------
    CtdsmError
        When the chopping frequency is not an even divisor of the clock.
    """
    t, sim = spec.target, spec.simulation
    order = int(abcdc.shape[0] - 1)
    k_u, k_x = volt_scales(spec, levels, order)
    f_chop = None
    if spec.chopper.enabled:
        f_chop = spec_chop_frequency_hz(spec.chopper.f_chop_hz, fs_hz, t.bw_hz, t.f0_hz)
        try:
            half_period_cycles(fs_hz, f_chop)
        except ValueError as exc:
            raise CtdsmError(str(exc)) from None
    return LoopModel(
        name=spec.name,
        fs_hz=float(fs_hz),
        bw_hz=float(t.bw_hz),
        f0_hz=float(t.f0_hz),
        levels=int(levels),
        abcdc=abcdc,
        tdac=tdac,
        xlim=float(spec.architecture.xlim),
        k_u_v=k_u,
        k_x_v=k_x,
        full_scale_v=full_scale_value(spec),
        vdd_v=float(spec.process.vdd_v),
        dac_type=spec.dac.type,
        dem=spec.dac.dem,
        f_chop_hz=f_chop,
        chop_phase=float(spec.chopper.phase),
        sizing=sizing,
        n_samples=int(sim.n_samples),
        amplitude_dbfs=float(sim.amplitude_dbfs),
        seed=int(sim.seed),
        fin_hz=sim.fin_hz,
        impairments=resolve_impairments(spec.impairments.to_engine()),
    )


def loop_model(design: Design) -> LoopModel:
    """The :class:`LoopModel` of a finished design."""
    return model_from_parts(
        design.spec, design.abcdc, design.tdac, design.levels, design.fs_hz, design.sizing
    )


def as_loop_model(target: Design | LoopModel) -> LoopModel:
    """``target`` itself if it is a :class:`LoopModel`, else :func:`loop_model` of it."""
    return target if isinstance(target, LoopModel) else loop_model(target)
