"""Time-domain simulation of discrete-time delta-sigma modulators, and SNR by simulation.

The modulator is the toolbox's general single-loop model (Schreier & Temes 2005, app. B):

.. math::

    y[i] = C x[i] + D_1 u[i], \\qquad v[i] = Q(y[i]), \\qquad
    x[i+1] = A x[i] + B \\begin{bmatrix} u[i] \\\\ v[i] \\end{bmatrix}

with the toolbox quantizer ``Q`` (:func:`ds_quantize`): for an even number of levels ``nlev``
the output is an odd integer (``+-1, +-3, ...``, mid-rise), for an odd ``nlev`` an even
integer (``0, +-2, ...``, mid-tread); both saturate at ``+-(nlev - 1)``, so the step is 2.

The per-sample loop runs in the numba kernels of :mod:`ctdsm.toolbox._kernels`, through
:func:`run_dsm_kernel`.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005.
R. Schreier, *The Delta-Sigma Toolbox, Version 7.3*, 2009 (simulateDSM, simulateSNR).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import signal

from . import _checks as chk
from ._common import as_zpk
from ._kernels import _dsm_kernel, run_dsm_kernel, split_abcd
from .snr import DEFAULT_AMP, snr_of_bins

__all__ = [
    "simulateDSM",
    "simulateSNR",
    "ntf_to_abcd",
    "ds_quantize",
    "run_dsm_kernel",
    "_dsm_kernel",
]


def ds_quantize(y: Any, n: Any = 2) -> np.ndarray:
    """The toolbox quantizer, vectorized: odd integers for even ``n``, even for odd ``n``.

    Parameters
    ----------
    y : array_like, shape (nq, N) or (N,)
        Quantizer input.
    n : int or array_like, shape (nq,)
        Number of levels per quantizer.

    Returns
    -------
    ndarray, same shape as ``y``
        Values in ``[-(n - 1), n - 1]`` with step 2.
    """
    y = np.asarray(y, dtype=float)
    nn = np.asarray(n)
    if y.ndim == 2:
        nn = np.broadcast_to(nn.reshape(-1, 1), y.shape)
    v = np.where(nn % 2 == 0, 2 * np.floor(0.5 * y) + 1, 2 * np.floor(0.5 * (y + 1)))
    return np.clip(v, -(nn - 1), nn - 1)


# --------------------------------------------------------------------------------------
# NTF -> ABCD
# --------------------------------------------------------------------------------------


def _root_groups(r: np.ndarray) -> list[np.ndarray]:
    """Split roots into conjugate pairs, then pairs of reals, then one real (odd count)."""
    r = np.asarray(r, dtype=complex)
    tol = 1e-9 * max(1.0, float(np.max(np.abs(r)))) if r.size else 0.0
    real = sorted(float(x.real) for x in r if abs(x.imag) <= tol)
    upper = sorted((x for x in r if x.imag > tol), key=lambda x: (x.real, x.imag))
    groups = [np.array([x, np.conj(x)]) for x in upper]
    groups += [np.array(real[i : i + 2], dtype=complex) for i in range(0, len(real), 2)]
    if sum(len(g) for g in groups) != r.size:
        raise ValueError("the NTF roots do not come in complex-conjugate pairs")
    return groups


def ntf_to_abcd(ntf: Any) -> np.ndarray:
    """A state-space loop filter with the given NTF and a unity STF.

    Parameters
    ----------
    ntf : transfer function (see :func:`as_zpk`)
        Proper NTF with as many zeros as poles (``NTF(inf) = 1``; the gain is not used).

    Returns
    -------
    ABCD : ndarray, shape (n + 1, n + 2)

    Notes
    -----
    With ``L = 1/NTF - 1`` realized as ``(A, B, C, 0)`` the modulator is
    ``y = u + L (u - v)``, so ``v = u + NTF e``. ``1/NTF`` is built as a cascade of real
    second-order sections (its poles are the NTF zeros), which stays well conditioned for the
    clustered roots of high-order, high-OSR NTFs; the toolbox uses ``zp2ss`` in the same way.
    """
    h = as_zpk(ntf)
    z = np.asarray(h.zeros, dtype=complex)
    p = np.asarray(h.poles, dtype=complex)
    if z.size != p.size:
        raise ValueError(
            f"simulateDSM needs an NTF with as many zeros as poles; got {z.size} and {p.size}"
        )
    n = z.size
    if n == 0:
        return np.array([[1.0, 0.0]])
    # Sections of 1/NTF: numerator roots are the NTF poles, denominator roots its zeros,
    # grouped the same way on both sides (conjugate or real pairs, then one real if odd).
    num_groups = _root_groups(p)
    den_groups = _root_groups(z)
    A = np.zeros((n, n))
    B = np.zeros(n)
    C = np.zeros(n)
    D = 1.0
    k = 0
    for rn, rd in zip(num_groups, den_groups, strict=True):
        b = np.real(np.poly(rn))
        a = np.real(np.poly(rd))
        order = len(rd)
        As, Bs, Cs, Ds = signal.tf2ss(b, a)
        Ds = float(np.asarray(Ds).ravel()[0])
        sl = slice(k, k + order)
        # Series connection: this section's input is the previous output C x + D w.
        A[sl, :k] = np.outer(Bs[:, 0], C[:k])
        A[sl, sl] = As
        B[sl] = Bs[:, 0] * D
        C[:k] = Ds * C[:k]
        C[sl] = Cs[0]
        D = Ds * D
        k += order
    # Sections padded to second order by zpk2sos may have been realized as first order.
    n = k
    A, B, C = A[:n, :n], B[:n], C[:n]
    ABCD = np.zeros((n + 1, n + 2))
    ABCD[:n, :n] = A
    ABCD[:n, n] = B
    ABCD[:n, n + 1] = -B
    ABCD[n, :n] = C
    ABCD[n, n] = 1.0
    return ABCD


def _is_abcd(arg: Any, nu: int, nq: int) -> bool:
    """Whether ``arg`` is an ABCD matrix (a 2-D array, or a list of rows that fits ``nu``).

    Tuples are always read as transfer functions (``(z, p, k)`` or ``(num, den)``).
    """
    if isinstance(arg, np.ndarray) and arg.ndim == 2:
        return True
    if isinstance(arg, list) and len(arg) > 0:
        try:
            m = np.asarray(arg, dtype=float)
        except (TypeError, ValueError):
            return False
        return m.ndim == 2 and m.shape[1] > 2 and m.shape[1] == m.shape[0] + nu
    return False


# --------------------------------------------------------------------------------------
# simulateDSM
# --------------------------------------------------------------------------------------


def simulateDSM(
    u: Any, ABCD: Any, nlev: Any = 2, x0: Any = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Simulate a delta-sigma modulator given its ABCD matrix or its NTF.

    Parameters
    ----------
    u : array_like, shape (N,) or (nu, N)
        Input, in units of the quantizer: full scale is ``+-(nlev - 1)``.
    ABCD : array_like or transfer function
        Either an ABCD matrix of shape ``(n + nq, n + nu + nq)`` (inputs ``[u, v]``), or an
        NTF in any form accepted by :func:`as_zpk` (then the STF is 1; see
        :func:`ntf_to_abcd`).
    nlev : int or array_like, shape (nq,)
        Number of quantizer levels; a vector means several quantizers.
    x0 : float or array_like, shape (n,)
        Initial state.

    Returns
    -------
    v : ndarray, shape (N,) for one quantizer, else (nq, N)
        Quantizer outputs (toolbox levels).
    xn : ndarray, shape (n, N)
        States; ``xn[:, i]`` is the state after clock ``i``.
    xmax : ndarray, shape (n,)
        Maximum absolute value of each state (including ``x0``).
    y : ndarray, same shape as ``v``
        Quantizer inputs.

    Raises
    ------
    ValueError
        If ``u``, ``x0`` or ``ABCD`` has a NaN or infinite entry, or ``nlev`` is not an
        integer ``>= 2`` (the message names the argument).

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005, app. B.
    """
    u_arr = chk.finite_array("simulateDSM", "u", np.asarray(u, dtype=float))
    if u_arr.ndim == 0:
        u_arr = u_arr.reshape(1, 1)
    elif u_arr.ndim == 1:
        u_arr = u_arr.reshape(1, -1)
    u_arr = np.ascontiguousarray(u_arr)
    nu = u_arr.shape[0]
    nl = np.ascontiguousarray(chk.integer_array("simulateDSM", "nlev", nlev, 2))
    nq = nl.size

    if _is_abcd(ABCD, nu, nq):
        M = np.asarray(ABCD)
        if np.iscomplexobj(M):
            if np.any(M.imag != 0):
                raise NotImplementedError("simulateDSM: complex ABCD is not supported")
            M = M.real
        M = M.astype(float)
    else:
        if nu != 1 or nq != 1:
            raise ValueError("an NTF describes a modulator with one input and one quantizer")
        M = ntf_to_abcd(chk.finite_zpk("simulateDSM", "ABCD (NTF)", as_zpk(ABCD)))
    chk.finite_array("simulateDSM", "ABCD", M)
    A, B, C, D1 = split_abcd(M, nu, nq)
    n = A.shape[0]
    x0f = chk.finite_array("simulateDSM", "x0", np.asarray(x0, dtype=float))
    x0a = np.ascontiguousarray(np.broadcast_to(x0f, (n,)).copy())

    v, xn, xmax, y = run_dsm_kernel(A, B, C, D1, u_arr, nl, x0a)
    if nq == 1:
        return v[0], xn, xmax, y[0]
    return v, xn, xmax, y


# --------------------------------------------------------------------------------------
# simulateSNR
# --------------------------------------------------------------------------------------


def _mround(x: float) -> int:
    """MATLAB ``round``: halves away from zero."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _snr_simulator(arg1: Any, nl: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The function ``v = sim(u)`` that :func:`simulateSNR` runs for each amplitude.

    Parameters
    ----------
    arg1 : NTF, ABCD matrix or callable
        As for :func:`simulateSNR`; a callable is returned unchanged.
    nl : ndarray of int, shape (nq,)
        Quantizer levels.

    Returns
    -------
    callable
        Maps an input sequence, shape (N,), to the output codes of the first quantizer.
    """
    if callable(arg1) and not isinstance(arg1, np.ndarray):
        return arg1
    if _is_abcd(arg1, 1, nl.size):
        M = np.asarray(arg1)
        if np.iscomplexobj(M) and np.any(M.imag != 0):
            raise NotImplementedError("simulateSNR: complex ABCD is not supported")
        M = np.real(M).astype(float)
    else:
        h = as_zpk(arg1)
        for roots in (h.zeros, h.poles):
            if np.any(np.abs(np.imag(np.poly(roots))) > 1e-4):
                raise NotImplementedError("simulateSNR: complex NTFs are not supported")
        M = ntf_to_abcd(h)

    A, B, C, D1 = split_abcd(M, 1, nl.size)
    nl64 = nl.astype(np.int64)
    x0 = np.zeros(A.shape[0])

    def sim(x: np.ndarray) -> np.ndarray:
        return run_dsm_kernel(A, B, C, D1, x.reshape(1, -1), nl64, x0, False)[0]

    return sim


def _test_tone(full: float, F: int, N: int, n_tr: int) -> np.ndarray:
    """Full-scale sine in FFT bin ``F`` of ``N``, after ``n_tr`` transient samples.

    The first ``n_tr // 2`` samples rise with a raised-cosine envelope (toolbox start-up).
    Returns shape ``(N + n_tr,)``.
    """
    soft = 0.5 * (1.0 - np.cos(2.0 * np.pi / n_tr * np.arange(n_tr // 2)))
    tone = full * np.sin(2.0 * np.pi * F / N * np.arange(N + n_tr))
    tone[: n_tr // 2] *= soft
    return tone


def _band_bins(N: int, F: int, f0: float, osr_eff: float) -> tuple[slice, int]:
    """In-band bins of an ``fftshift``-ed ``N``-point spectrum, and the tone's index in them.

    Parameters
    ----------
    N : int
        FFT length.
    F : int
        Tone bin (unshifted).
    f0 : float
        Band centre, normalized to fs; for 0 the DC bin and bin 1 are left out.
    osr_eff : float
        ``osr * osr_mult``: the band is ``f0 +- 1 / osr_eff`` (``[0, 1 / osr_eff]`` at DC).
    """
    half = N // 2
    if f0 == 0:
        return slice(half + 2, half + _mround(N / osr_eff)), F - 2
    f1 = _mround(N * (f0 - 1.0 / osr_eff))
    f2 = _mround(N * (f0 + 1.0 / osr_eff))
    return slice(half + f1 - 1, half + f2), F - f1 + 1


def _check_snr_args(osr: Any, f0: Any, k: Any, f: Any) -> tuple[float, float, int, float | None]:
    """Validate the scalar arguments of :func:`simulateSNR`; returns them converted.

    ``osr > 0``, ``0 <= f0 < 0.5``, ``k >= 1`` an integer and, if given, ``0 < f < 0.5``,
    all finite; a :class:`ValueError` names the first one that is not.
    """
    osr = chk.positive("simulateSNR", "osr", osr)
    f0 = chk.in_range("simulateSNR", "f0", f0, 0.0, 0.5, hi_open=True)
    k = chk.integer("simulateSNR", "k", k, 1)
    if f is not None:
        f = chk.in_range("simulateSNR", "f", f, 0.0, 0.5, hi_open=True)
        if f == 0.0:
            raise ValueError("simulateSNR: f must be > 0 (a test tone, not DC); got 0.0")
    return osr, f0, k, f


def simulateSNR(
    arg1: Any,
    osr: float,
    amp: Any = None,
    f0: float = 0,
    nlev: Any = 2,
    f: float | None = None,
    k: int = 13,
    quadrature: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """SNR versus input amplitude of a modulator, from simulations with sine inputs.

    Parameters
    ----------
    arg1 : NTF, ABCD matrix or callable
        The modulator: an NTF (any form accepted by :func:`as_zpk`; STF = 1), an ABCD matrix,
        or a function ``v = arg1(u)`` mapping an input sequence to the output sequence.
    osr : float
        Oversampling ratio.
    amp : array_like, optional
        Input amplitudes in dB relative to full scale (peak ``nlev - 1``). Default
        ``[-120, -110, ..., -20, -15, -10, -9, ..., 0]``.
    f0 : float
        Band centre, normalized (``1 -> fs``).
    nlev : int
        Number of quantizer levels.
    f : float, optional
        Test frequency, rounded to an FFT bin; default ``f0 + 0.5 / (osr * osr_mult)`` with
        ``osr_mult = 2`` (lowpass) or 4 (bandpass), i.e. half-way across the band.
    k : int
        The FFT length is ``2 ** k``.
    quadrature : bool
        Quadrature modulators are not supported (raises ``NotImplementedError``).

    Returns
    -------
    snr : ndarray
        SNR in dB for each amplitude.
    amp : ndarray
        The amplitudes (dB).

    Raises
    ------
    ValueError
        Naming the argument, if ``osr`` is not a finite number ``> 0``, ``f0`` is not in
        ``[0, 0.5)``, ``nlev`` is not an integer ``>= 2``, ``k`` is not an integer
        ``>= 1``, ``f`` is not in ``(0, 0.5)`` or ``amp`` has a NaN or infinite entry.

    Notes
    -----
    As in the toolbox: 100 transient samples (the first 50 with a raised-cosine envelope) are
    discarded, the output is Hann-windowed, and :func:`calculateSNR` compares the tone (its
    bin and one either side) with the other in-band bins; for ``f0 = 0`` DC and bin 1 are
    excluded.

    References
    ----------
    R. Schreier, *The Delta-Sigma Toolbox, Version 7.3*, 2009 (simulateSNR).
    """
    if quadrature:
        raise NotImplementedError("simulateSNR: quadrature modulators are not supported")
    osr, f0, k, f = _check_snr_args(osr, f0, k, f)
    amp_arr = DEFAULT_AMP.copy() if amp is None else np.atleast_1d(np.asarray(amp, dtype=float))
    chk.finite_array("simulateSNR", "amp", amp_arr)
    nl = chk.integer_array("simulateSNR", "nlev", nlev, 2)
    osr_mult = 4 if f0 != 0 else 2
    if f is None:
        f = f0 + 0.5 / (osr * osr_mult)
    if abs(f - f0) > 1.0 / (osr * osr_mult):
        warnings.warn("simulateSNR: the input tone is out-of-band", stacklevel=2)
    N = 2**k
    if N < 16 * osr:  # at least 8 in-band bins
        k = math.ceil(math.log2(16 * osr))
        N = 2**k
        warnings.warn(f"simulateSNR: k increased to {k} for the large OSR", stacklevel=2)
    F = _mround(f * N)
    if abs(F) <= 1:
        k = math.ceil(math.log2(1.0 / f))
        N = 2**k
        F = 2
        warnings.warn(f"simulateSNR: k increased to {k} for the low frequency", stacklevel=2)

    sim = _snr_simulator(arg1, nl)
    n_tr = 100
    tone = _test_tone(float(nl[0] - 1), F, N, n_tr)
    window = 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(N) / N))
    band, F_in = _band_bins(N, F, f0, osr * osr_mult)

    snr = np.empty(amp_arr.size)
    for i, a in enumerate(10.0 ** (amp_arr / 20.0)):
        v = np.asarray(sim(a * tone), dtype=float)
        if v.ndim > 1:
            v = v[0]
        spec = np.fft.fftshift(np.fft.fft(window * v[n_tr : N + n_tr]))
        snr[i] = snr_of_bins(spec[band], F_in, 1)
    return snr, amp_arr
