"""The :class:`Design`: the immutable record of a synthesized CT delta-sigma modulator
(made by :func:`ctdsm.synthesize`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import signal

from ctdsm._version import __version__
from ctdsm.analysis import tone_frequency_hz
from ctdsm.analysis.fom import fom_schreier_db, fom_walden_j
from ctdsm.design.cost import Cost, predicted_performance
from ctdsm.design.full_scale import FullScale
from ctdsm.design.loop_filter import LoopFilter
from ctdsm.design.requirements import Requirements
from ctdsm.design.sizing import Sizing
from ctdsm.design.spec import Spec
from ctdsm.toolbox._common import ZPK, evalTF

__all__ = ["Design"]


def _cplx_pairs(x: np.ndarray) -> list[list[float]]:
    return [[float(np.real(v)), float(np.imag(v))] for v in np.asarray(x, dtype=complex)]


@dataclass(frozen=True, eq=False)
class Design:
    """A synthesized CT delta-sigma modulator.

    Attributes
    ----------
    spec : Spec
        The spec it was made from (after overrides).
    fs_hz, bw_hz, f0_hz : float
        Clock, signal bandwidth and band centre (0 for low-pass), Hz.
    osr : float
        Oversampling ratio ``fs / (2 bw)``.
    order, levels : int
        Loop-filter order and quantizer levels.
    form : str
        ``"FB"`` or ``"FF"``.
    h_inf : float
        Out-of-band NTF gain.
    eld : float
        Excess loop delay, clock periods.
    ntf : ZPK
        Noise transfer function.
    loop : LoopFilter
        Scaled, verified CT loop filter and its DT equivalent.
    peak_sqnr_db, peak_amplitude_dbfs : float
        Peak SQNR of the ideal modulator (simulated) and the amplitude where it occurs.
    max_stable_dbfs : float
        Largest input found stable while scaling, dBFS.
    linear_sqnr_db : float
        SQNR of the linear quantizer model at ``peak_amplitude_dbfs``.
    sizing : Sizing
        Component values and noise budget (:func:`ctdsm.design.sizing.size_design`).
    requirements : Requirements
        Opamp and RC requirements found by simulation
        (:func:`ctdsm.flow.requirements.derive_requirements`).
    cost : Cost
        Power and area, block by block (:func:`ctdsm.design.cost.estimate_cost`).
    selection : tuple of dict
        The candidates considered by the automatic choice, for the record.
    warnings : tuple of str
        Targets the design misses but was allowed to (``target.allow_infeasible``) and
        process bounds it exceeds (``sizing.bounds: warn``); in ``design.json`` as
        ``warnings`` only when there are any.
    full_scale : FullScale or None
        The limits ``target.full_scale_v: auto`` was resolved from (``spec`` then holds the
        resolved number); None when the spec gave a number. In ``design.json`` as
        ``full_scale`` only when set.

    A design is immutable: :func:`ctdsm.synthesize` builds it complete, and a variant is a
    new design (``dataclasses.replace`` or a new synthesis), never an edit.
    """

    spec: Spec
    fs_hz: float
    bw_hz: float
    f0_hz: float
    osr: float
    order: int
    levels: int
    form: str
    h_inf: float
    eld: float
    ntf: ZPK
    loop: LoopFilter
    peak_sqnr_db: float
    peak_amplitude_dbfs: float
    max_stable_dbfs: float
    linear_sqnr_db: float
    sizing: Sizing = field(repr=False)
    requirements: Requirements = field(repr=False)
    cost: Cost = field(repr=False)
    selection: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()
    full_scale: FullScale | None = None

    # -- views ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def abcdc(self) -> np.ndarray:
        """Scaled CT ABCD (toolbox layout, time normalized to 1/fs)."""
        return self.loop.abcdc

    @property
    def tdac(self) -> np.ndarray:
        """DAC timing rows (``[-1, -1]`` for the input), clock periods."""
        return self.loop.tdac

    @property
    def f0(self) -> float:
        """Band centre normalized to fs."""
        return self.f0_hz / self.fs_hz

    def test_frequency(self, n_samples: int) -> float:
        """The test tone for a record of ``n_samples``: coherent, near the spec's
        ``simulation.fin_hz`` and in band, or :func:`ctdsm.analysis.default_test_frequency`
        for ``auto``. Hz."""
        fin = self.spec.simulation.fin_hz
        return tone_frequency_hz(self.fs_hz, n_samples, self.bw_hz, self.f0_hz, fin)

    def ntf_response(self, f_hz: np.ndarray) -> np.ndarray:
        """Complex NTF at frequencies ``f_hz`` (Hz)."""
        return evalTF(self.ntf, np.exp(2j * np.pi * np.asarray(f_hz) / self.fs_hz))

    def lti(self) -> signal.StateSpace:
        """The CT loop filter as a :class:`scipy.signal.StateSpace` in physical time (s)."""
        n = self.order
        a = self.abcdc
        return signal.StateSpace(
            a[:n, :n] * self.fs_hz, a[:n, n:] * self.fs_hz, a[n:, :n], a[n:, n:]
        )

    # -- serialization ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-data form written to ``design.json`` (keys are a public contract)."""
        sizing = self.sizing.to_dict()
        return (
            {
                "ctdsm_version": __version__,
                "name": self.name,
                "fs_hz": self.fs_hz,
                "bw_hz": self.bw_hz,
                "f0_hz": self.f0_hz,
                "osr": self.osr,
                "order": self.order,
                "levels": self.levels,
                "form": self.form,
                "h_inf": self.h_inf,
                "eld": self.eld,
                "ntf": {
                    "zeros": _cplx_pairs(self.ntf.zeros),
                    "poles": _cplx_pairs(self.ntf.poles),
                    "k": float(self.ntf.k),
                },
                "abcdc": self.abcdc.tolist(),
                "tdac": self.tdac.tolist(),
                "abcd_dt": self.loop.abcd.tolist(),
                "state_scale": self.loop.scale.tolist(),
                "peak_sqnr_db": self.peak_sqnr_db,
                "peak_amplitude_dbfs": self.peak_amplitude_dbfs,
                "max_stable_dbfs": self.max_stable_dbfs,
                "linear_sqnr_db": self.linear_sqnr_db,
                "verification": {
                    "max_rel_error": self.loop.verify_error,
                    "tolerance": 1e-6,
                    "check": "CT sampled pulse response == impulse response of 1 - 1/NTF",
                },
                "selection": [dict(entry) for entry in self.selection],
                "components": {k: v for k, v in sizing.items() if k != "noise_budget"},
                "noise_budget": sizing["noise_budget"],
                "requirements": self.requirements.to_dict(),
                **self._cost_keys(),
                "spec": self.spec.to_dict(),
            }
            | ({"warnings": list(self.warnings)} if self.warnings else {})
            | ({"full_scale": self.full_scale.to_dict()} if self.full_scale else {})
        )

    @property
    def predicted_sndr_db(self) -> float:
        """Peak SNDR the design is sized for: peak SQNR with the thermal budget, dB."""
        return predicted_performance(self.sizing, self.peak_sqnr_db, self.peak_amplitude_dbfs)[0]

    @property
    def predicted_dr_db(self) -> float:
        """Dynamic range the design is sized for, dB (see :func:`predicted_performance`)."""
        return predicted_performance(self.sizing, self.peak_sqnr_db, self.peak_amplitude_dbfs)[1]

    def _cost_keys(self) -> dict[str, Any]:
        """Power, area and figures of merit (the FoMs on the predicted SNDR and DR)."""
        c = self.cost
        sndr, dr = predicted_performance(self.sizing, self.peak_sqnr_db, self.peak_amplitude_dbfs)
        return {
            "power_w": c.power_w,
            "power_breakdown_w": dict(c.power_breakdown_w),
            "area_mm2": c.area_mm2,
            "area_breakdown_mm2": dict(c.area_breakdown_mm2),
            "predicted_sndr_db": sndr,
            "predicted_dr_db": dr,
            "fom_schreier_sndr_db": fom_schreier_db(sndr, self.bw_hz, c.power_w),
            "fom_schreier_dr_db": fom_schreier_db(dr, self.bw_hz, c.power_w),
            "fom_walden_j": fom_walden_j(sndr, self.bw_hz, c.power_w),
            "cost": {k: v for k, v in c.to_dict().items() if not k.endswith(("_w", "_mm2"))},
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def summary_lines(self) -> list[str]:
        """Human-readable summary (plain text)."""
        np.set_printoptions(precision=5, suppress=False)
        lines = [
            f"design {self.name}: order {self.order} {self.form}, {self.levels}-level quantizer,"
            f" OSR {self.osr:g}, fs {self.fs_hz / 1e6:g} MHz, bw {self.bw_hz / 1e3:g} kHz"
            + (f", f0 {self.f0_hz / 1e3:g} kHz" if self.f0_hz else ""),
            f"NTF: H_inf {self.h_inf:g}, ELD {self.eld:g} Ts",
            "  zeros: " + ", ".join(f"{z:.6f}" for z in self.ntf.zeros),
            "  poles: " + ", ".join(f"{p:.6f}" for p in self.ntf.poles),
            "CT loop filter ABCDc (time in 1/fs, states scaled to xlim "
            f"{self.spec.architecture.xlim:g}):",
        ]
        lines += ["  " + " ".join(f"{v:10.5f}" for v in row) for row in self.abcdc]
        lines += [
            "  tdac: " + "; ".join(f"[{r[0]:g}, {r[1]:g}]" for r in self.tdac),
            f"verified: CT pulse response == 1 - 1/NTF to {self.loop.verify_error:.2g} (rel)",
            f"peak SQNR {self.peak_sqnr_db:.1f} dB at {self.peak_amplitude_dbfs:.0f} dBFS "
            f"(linear model {self.linear_sqnr_db:.1f} dB); max stable input "
            f"{self.max_stable_dbfs:.1f} dBFS; target SNDR {self.spec.target.sndr_db:g} dB",
        ]
        sz = self.sizing
        caps = ", ".join(f"{c * 1e12:.3g}" for c in sz.c_f)
        lines += [
            f"sizing: R_in {sz.r_in_ohm:.4g} ohm, C [{caps}] pF per side, first DAC "
            f"{sz.dac_units} x {sz.dac_unit_r_ohm:.4g} ohm, opamp1 e_n "
            f"{sz.opamp_en_v_rthz[0] * 1e9:.3g} nV/rtHz",
            f"noise budget: {sz.total_noise_v2**0.5 * 1e6:.3g} uVrms in band "
            f"(allowed {sz.budget_v2**0.5 * 1e6:.3g}), thermal-limited SNR "
            f"{sz.snr_thermal_db:.1f} dB at {sz.ref_amplitude_dbfs:.1f} dBFS",
        ]
        rq = self.requirements

        def _fmt(v: float | None, unit: str) -> str:
            return "not met on the grid" if v is None else f"{v:g}{unit}"

        gbw = rq.gbw_ratio_min
        gbw_hz = "" if gbw is None else f" ({gbw * self.fs_hz / 1e6:.3g} MHz)"
        lines.append(
            f"requirements (simulated, <= {rq.loss_db:g} dB SNDR loss): opamp GBW "
            f"{_fmt(gbw, ' fs')}{gbw_hz}, DC gain {_fmt(rq.dc_gain_db_min, ' dB')}; RC spread "
            f"tolerated +-{rq.rc_tolerance * 100:.0f} % (<= {rq.rc_loss_db:g} dB loss)"
        )
        return lines
