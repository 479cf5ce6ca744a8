"""Continuous-time loop-filter realization: NTF to a scaled, verified CT state-space filter.

The CT filter is realized with :func:`ctdsm.toolbox.realizeNTF_ct` (matching the sampled
pulse response of the CT loop to the impulse response of ``L1 = 1 - 1/NTF``, with an extra
direct feedback path compensating excess loop delay), its states are scaled so that each
integrator output stays within ``xlim`` at the maximum stable input, and the result is
verified: the CT loop's sampled pulse response must equal ``1 - 1/NTF`` (relative error
below ``1e-6``) or synthesis fails loudly.

Time is normalized to the clock period in every matrix here (toolbox convention); the
physical filter has ``A_phys = A * fs``.

References
----------
S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2nd ed.,
Wiley-IEEE, 2017, ch. 8 (CT modulators, the impulse-invariant transformation and ELD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ctdsm.errors import SynthesisError
from ctdsm.toolbox._common import ZPK, partitionABCD
from ctdsm.toolbox.ct import ct_loop_response, mapCtoD, ntf_loop_response, realizeNTF_ct
from ctdsm.toolbox.realize import scaleABCD

__all__ = ["LoopFilter", "realize_loop_filter", "verify_realization", "dt_equivalent"]

#: Relative tolerance of the pulse-response identity the realization must satisfy.
VERIFY_RTOL = 1e-6


@dataclass(frozen=True)
class LoopFilter:
    """A realized CT loop filter.

    Attributes
    ----------
    abcdc : ndarray, shape (n + 1, n + 1 + m)
        Scaled CT ABCD, toolbox layout, time normalized to ``1/fs``. Inputs are the signal
        ``u`` and one column per feedback DAC (rows of ``tdac``).
    tdac : ndarray, shape (m + 1, 2)
        DAC timing per input in clock periods; first row ``[-1, -1]`` is the input ``u``.
    abcd : ndarray
        Equivalent discrete-time ABCD (inputs ``[u, v]``) used for fast simulation.
    scale : ndarray, shape (n,)
        State scaling applied (``x_scaled = scale * x``).
    umax : float
        Maximum stable input amplitude found while scaling, toolbox units (full scale is
        ``levels - 1``).
    verify_error : float
        Max relative deviation of the CT sampled pulse response from ``1 - 1/NTF``.
    """

    abcdc: np.ndarray
    tdac: np.ndarray
    abcd: np.ndarray
    scale: np.ndarray
    umax: float
    verify_error: float

    @property
    def order(self) -> int:
        return self.abcdc.shape[0] - 1


def _loop_error(ntf: ZPK, abcdc: np.ndarray, tdac: np.ndarray, n: int) -> float:
    h_ct = np.asarray(ct_loop_response(abcdc, tdac, n), dtype=float)
    h_ref = np.asarray(ntf_loop_response(ntf, n), dtype=float)
    return float(np.max(np.abs(h_ct - h_ref)) / np.max(np.abs(h_ref)))


def verify_realization(ntf: ZPK, abcdc: np.ndarray, tdac: np.ndarray, n: int = 256) -> float:
    """Check that a CT loop filter realizes ``ntf``.

    Parameters
    ----------
    ntf : ZPK
        Target NTF.
    abcdc, tdac : ndarray
        CT loop filter and DAC timing (toolbox layout).
    n : int
        Number of samples of the pulse response compared.

    Returns
    -------
    float
        Max relative error ``max|h_ct - h_ref| / max|h_ref|``.

    Raises
    ------
    SynthesisError
        If the error exceeds :data:`VERIFY_RTOL`.
    """
    err = _loop_error(ntf, abcdc, tdac, n)
    if not np.isfinite(err) or err > VERIFY_RTOL:
        raise SynthesisError(
            f"realization check failed: CT sampled pulse response differs from 1 - 1/NTF "
            f"by {err:.3g} (relative, tolerance {VERIFY_RTOL:g})"
        )
    return err


def dt_equivalent(abcdc: np.ndarray, tdac: np.ndarray, f0: float = 0.0) -> np.ndarray:
    """Exact DT equivalent ABCD (inputs ``[u, v]``) of a CT loop filter with DAC pulses.

    The feedback columns are combined into one input ``v`` (every DAC is driven by the same
    quantizer output); the ``u`` column is the toolbox's sampled-input approximation,
    matched in gain at the band centre ``f0`` (normalized to fs).
    """
    A, B, C, D = partitionABCD(abcdc, np.asarray(abcdc).shape[1] - (abcdc.shape[0] - 1))
    sys_d, _ = mapCtoD((A, B, C, D), np.asarray(tdac), f0)
    Ad, Bd, Cd, Dd = (np.atleast_2d(np.asarray(x, dtype=float)) for x in sys_d)
    Bd = np.column_stack([Bd[:, 0], Bd[:, 1:].sum(axis=1)])
    Dd = np.column_stack([Dd[:, 0], Dd[:, 1:].sum(axis=1)])
    return np.block([[Ad, Bd], [Cd, Dd]])


def realize_loop_filter(
    ntf: ZPK,
    form: str,
    pulse: tuple[float, float],
    eld: float,
    levels: int,
    xlim: float,
    f0: float = 0.0,
) -> LoopFilter:
    """Realize, scale and verify the CT loop filter of an NTF.

    Parameters
    ----------
    ntf : ZPK
        Target NTF.
    form : {"FB", "FF"}
        Feedback (CIFB-like) or feed-forward (CIFF-like) loop filter.
    pulse : (float, float)
        Nominal DAC pulse ``[t0, t1]`` in clock periods (NRZ ``(0, 1)``).
    eld : float
        Excess loop delay, clock periods; the pulse becomes ``[t0 + eld, t1 + eld]`` and a
        direct feedback path restores the NTF.
    levels : int
        Quantizer levels (scaling runs the modulator at its maximum stable input).
    xlim : float
        Peak integrator state allowed after scaling.
    f0 : float
        Band centre normalized to fs (0 for low-pass).

    Returns
    -------
    LoopFilter
    """
    tdac_nom = [pulse[0] + eld, pulse[1] + eld]
    abcdc, tdac2 = realizeNTF_ct(ntf, form, tdac_nom)
    abcdc = np.asarray(abcdc, dtype=float)
    tdac2 = np.asarray(tdac2, dtype=float)
    n_samples = 256 if f0 == 0.0 else 512
    verify_realization(ntf, abcdc, tdac2, n_samples)

    n = abcdc.shape[0] - 1
    abcd = dt_equivalent(abcdc, tdac2, f0)
    try:
        _, umax, S = scaleABCD(abcd, levels, f0, xlim, None, None, 20000, 10)
    except ValueError as exc:
        raise SynthesisError(f"state scaling failed: {exc}") from None
    if not np.isfinite(umax) or umax <= 0:
        raise SynthesisError("the modulator is unstable for every input amplitude tried")
    S = np.asarray(S, dtype=float)
    s = np.diag(S)[:n].copy()
    A, B, C, D = partitionABCD(abcdc, abcdc.shape[1] - n)
    scaled = np.block([[s[:, None] * A / s[None, :], s[:, None] * B], [C / s[None, :], D]])
    err = verify_realization(ntf, scaled, tdac2, n_samples)
    return LoopFilter(
        abcdc=scaled,
        tdac=tdac2,
        abcd=dt_equivalent(scaled, tdac2, f0),
        scale=s,
        umax=float(umax),
        verify_error=err,
    )
