"""The :class:`Design` object and :func:`synthesize`: spec in, verified CT modulator out.

Data flow::

    Spec --> choose (order, OSR, levels, H_inf) --> NTF --> CT loop filter (ELD, scaling,
         verification) --> Design --> design.json / summary
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ctdsm import ntf as ntf_mod
from ctdsm._version import __version__
from ctdsm.errors import SpecError, SynthesisError
from ctdsm.realize import LoopFilter, realize_loop_filter
from ctdsm.spec import Spec
from ctdsm.toolbox._common import ZPK

__all__ = ["Design", "synthesize"]

#: DAC types that are single-bit by construction (two interleaved return-to-open DACs).
SINGLE_BIT_DACS = ("dual_rto", "zapped_dual_rto")
#: Amplitudes (dBFS) at which the SQNR of a candidate is simulated.
_SIM_AMPS_DB = np.arange(-15.0, 0.5, 1.0)
#: Simulation length (2**k samples) for SQNR checks during synthesis.
_SIM_K = 14
#: Most candidates confirmed by simulation before giving up.
_MAX_SIMULATED = 12


def _cplx_pairs(x: np.ndarray) -> list[list[float]]:
    return [[float(np.real(v)), float(np.imag(v))] for v in np.asarray(x, dtype=complex)]


@dataclass
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
    selection : list of dict
        The candidates considered by the automatic choice, for the record.
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
    selection: list[dict[str, Any]] = field(default_factory=list)
    _sizing: Any = field(default=None, repr=False, compare=False)
    _requirements: Any = field(default=None, repr=False, compare=False)

    @property
    def requirements(self):
        """Opamp and RC requirements found by simulation
        (:func:`ctdsm.sizing.derive_requirements`), cached."""
        if self._requirements is None:
            from ctdsm.sizing import derive_requirements

            self._requirements = derive_requirements(self)
        return self._requirements

    @property
    def sizing(self):
        """Component values and noise budget (:func:`ctdsm.sizing.size_design`), cached."""
        if self._sizing is None:
            from ctdsm.sizing import size_design

            self._sizing = size_design(self)
        return self._sizing

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
        from ctdsm.analysis import coherent_frequency, default_test_frequency

        fs, bw, f0 = self.fs_hz, self.bw_hz, self.f0_hz
        fin = self.spec.simulation.fin_hz
        if fin == "auto":
            return float(default_test_frequency(fs, n_samples, bw, f0))
        lo, hi = (0.0, bw) if f0 == 0 else (f0 - bw / 2, f0 + bw / 2)
        return float(coherent_frequency(fs, n_samples, fin, f_min_hz=lo, f_max_hz=hi))

    def ntf_response(self, f_hz: np.ndarray) -> np.ndarray:
        """Complex NTF at frequencies ``f_hz`` (Hz)."""
        from ctdsm.toolbox._common import evalTF

        return evalTF(self.ntf, np.exp(2j * np.pi * np.asarray(f_hz) / self.fs_hz))

    def lti(self):
        """The CT loop filter as a :class:`scipy.signal.StateSpace` in physical time (s)."""
        from scipy import signal

        n = self.order
        a = self.abcdc
        return signal.StateSpace(
            a[:n, :n] * self.fs_hz, a[:n, n:] * self.fs_hz, a[n:, :n], a[n:, n:]
        )

    # -- serialization ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain-data form written to ``design.json`` (keys are a public contract)."""
        sizing = self.sizing.to_dict()
        return {
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
            "selection": self.selection,
            "components": {k: v for k, v in sizing.items() if k != "noise_budget"},
            "noise_budget": sizing["noise_budget"],
            "requirements": self.requirements.to_dict(),
            "spec": self.spec.to_dict(),
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


# ----------------------------------------------------------------------------------------------
# synthesis


def _simulated_peak(abcd_or_ntf: Any, osr: float, levels: int, f0: float) -> tuple[float, float]:
    """Peak SQNR (dB) and its amplitude (dBFS) from simulations over ``_SIM_AMPS_DB``."""
    from ctdsm.toolbox.simulate import simulateSNR

    snr, amp = simulateSNR(abcd_or_ntf, osr, _SIM_AMPS_DB, f0, levels, None, _SIM_K)
    snr = np.where(np.isfinite(snr), np.asarray(snr, dtype=float), -np.inf)
    # A short run's SQNR scatters by a dB or two, and a single quiet (tonal) run can read
    # 10 dB high; the median of each amplitude and its neighbours is a robust peak.
    padded = np.concatenate([[snr[0]], snr, [snr[-1]]])
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)
    i = int(np.argmax(smooth))
    return float(smooth[i]), float(np.asarray(amp)[i])


def _choose(spec: Spec) -> tuple[int, float, int, float, list[dict[str, Any]]]:
    """Pick (order, osr, levels, h_inf) meeting the target SNDR plus the SQNR margin."""
    t, a = spec.target, spec.architecture
    single_bit = spec.dac.type in SINGLE_BIT_DACS
    if single_bit and a.levels not in ("auto", 2):
        raise SpecError("architecture.levels", f"dac.type {spec.dac.type} is single-bit (levels 2)")
    levels = 2 if single_bit and a.levels == "auto" else a.levels
    osr = a.osr
    if a.fs_hz != "auto":
        osr = a.fs_hz / (2.0 * t.bw_hz)
    required = t.sndr_db + a.sqnr_margin_db
    fixed = a.order != "auto" and osr != "auto" and levels != "auto"
    log: list[dict[str, Any]] = []
    simulated = 0
    for cand in ntf_mod.candidates(a.order, osr, levels, bandpass=t.f0_hz > 0):
        f0 = t.f0_hz / (2.0 * t.bw_hz * cand.osr)
        if f0 >= 0.5:
            continue
        h_inf = (
            ntf_mod.auto_h_inf(cand.order, cand.osr, cand.levels, a.optimized_zeros, f0)
            if a.h_inf == "auto"
            else float(a.h_inf)
        )
        try:
            ntf = ntf_mod.design_ntf(cand.order, cand.osr, h_inf, a.optimized_zeros, f0)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            continue
        guess_db = -3.0 if cand.levels > 2 else -6.0
        lin = ntf_mod.linear_sqnr_db(ntf, cand.osr, cand.levels, guess_db, f0)
        entry = {
            "order": cand.order,
            "osr": cand.osr,
            "levels": cand.levels,
            "h_inf": h_inf,
            "linear_sqnr_db": round(lin, 2),
        }
        log.append(entry)
        if fixed:
            return cand.order, cand.osr, cand.levels, h_inf, log
        if lin < required:
            continue
        peak, _ = _simulated_peak(ntf, cand.osr, cand.levels, f0)
        entry["simulated_peak_sqnr_db"] = round(peak, 2)
        simulated += 1
        if peak >= required:
            return cand.order, cand.osr, cand.levels, h_inf, log
        if simulated >= _MAX_SIMULATED:
            break
    raise SynthesisError(
        f"architecture: no order/OSR/levels in the search space reaches {required:g} dB SQNR "
        f"(target.sndr_db + architecture.sqnr_margin_db); fix some of them or relax the target"
    )


def synthesize(spec: Spec) -> Design:
    """Synthesize and verify a CT delta-sigma modulator from a spec.

    Parameters
    ----------
    spec : Spec
        Validated spec (see :func:`ctdsm.load_spec`).

    Returns
    -------
    Design

    Raises
    ------
    SynthesisError
        If no architecture meets the target, or the realization check fails.
    """
    if not isinstance(spec, Spec):
        raise TypeError("synthesize() takes a Spec; use ctdsm.load_spec(path) first")
    t, a = spec.target, spec.architecture
    order, osr, levels, h_inf, log = _choose(spec)
    fs_hz = 2.0 * t.bw_hz * osr if a.fs_hz == "auto" else float(a.fs_hz)
    f0 = t.f0_hz / fs_hz
    ntf = ntf_mod.design_ntf(order, osr, h_inf, a.optimized_zeros, f0)
    loop = realize_loop_filter(ntf, a.form, a.pulse_interval(), a.eld, levels, a.xlim, f0)
    design = Design(
        spec=spec,
        fs_hz=fs_hz,
        bw_hz=float(t.bw_hz),
        f0_hz=float(t.f0_hz),
        osr=float(osr),
        order=order,
        levels=levels,
        form=a.form,
        h_inf=h_inf,
        eld=float(a.eld),
        ntf=ntf,
        loop=loop,
        peak_sqnr_db=math.nan,
        peak_amplitude_dbfs=math.nan,
        max_stable_dbfs=math.nan,
        linear_sqnr_db=math.nan,
        selection=log,
    )
    # Peak SQNR and the largest stable input from the exact CT engine (ideal), not from
    # the DT equivalent, whose sampled input path is an approximation.
    peak, peak_amp, max_stable = _ct_sweep(design)
    design.peak_sqnr_db = peak
    design.peak_amplitude_dbfs = peak_amp
    design.max_stable_dbfs = max_stable
    design.linear_sqnr_db = ntf_mod.linear_sqnr_db(ntf, osr, levels, peak_amp, f0)
    design._sizing = None  # sized from the final amplitudes, never from the provisional ones
    return design


def _ct_sweep(design: Design) -> tuple[float, float, float]:
    """Ideal CT simulations over ``_SIM_AMPS_DB``: (peak SQNR, its amplitude, max stable).

    A run is unstable when the analysis flags it or a state exceeds 3 ``xlim``; the maximum
    stable amplitude is the largest one below which every run is stable.
    """
    from ctdsm.analysis import is_unstable, spectrum_metrics
    from ctdsm.sim.engine import simulate

    n = 1 << _SIM_K
    xlim = design.spec.architecture.xlim
    snr = np.full(len(_SIM_AMPS_DB), -np.inf)
    max_stable = -math.inf
    for i, amp in enumerate(_SIM_AMPS_DB):
        r = simulate(design, n, float(amp), "ideal", 1)
        ok = r.stable and np.max(r.xmax) < 3 * xlim and not is_unstable(r.v, design.levels)
        if not ok:
            break
        max_stable = float(amp)
        m = spectrum_metrics(
            r.v, r.fs_hz, r.fin_hz, r.bw_hz, f0_hz=r.f0_hz, full_scale=design.levels - 1
        )
        snr[i] = m.sndr_db if m.sndr_db is not None else -np.inf
    if not np.isfinite(max_stable):
        raise SynthesisError("the modulator is unstable even at the smallest test amplitude")
    padded = np.concatenate([[snr[0]], snr, [snr[-1]]])
    smooth = np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)
    i = int(np.argmax(smooth))
    return float(smooth[i]), float(_SIM_AMPS_DB[i]), max_stable
