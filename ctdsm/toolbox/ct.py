"""Continuous-time loop filters: exact CT-to-DT mapping and CT realization of an NTF.

Conventions (those of the Delta-Sigma Toolbox):

* Time is normalised to the sampling period ``T = 1``; CT matrices are in units of ``1/T``.
* A CT loop filter is ``ABCDc = [[Ac, Bc], [Cc, Dc]]`` with inputs ``[u, v1, v2, ...]``:
  the modulator input ``u`` (a CT signal) and one column per feedback DAC driven by the
  quantizer output ``v``. Its output ``y`` is the quantizer input.
* Each DAC emits a rectangular pulse of unit height over ``[t1, t2]`` (fractions of a clock
  period after the sampling instant that produced ``v``). ``tdac2`` holds one ``[t1, t2]``
  row per input, ``[-1, -1]`` marking the CT input ``u``.
* The quantizer samples ``y`` just before the clock edge: ``y[n] = yc(n-)``. A DT equivalent
  is exact when its impulse response equals the CT loop's sampled pulse response.
* ``L1 = 1 - 1/NTF`` is the DT loop filter from ``v`` to ``y`` (sign included), so the CT
  loop's sampled pulse response must equal the impulse response of ``L1``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg, signal

from ._common import ZPK, as_zpk

__all__ = ["mapCtoD", "realizeNTF_ct", "ct_loop_response", "ntf_loop_response"]


# ----------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------


def _as_ss(sys_c: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``A, B, C, D`` (2-D float arrays) of a CT system in any accepted form."""
    if isinstance(sys_c, signal.dlti):
        raise TypeError("mapCtoD needs a continuous-time system, got a discrete-time one")
    if isinstance(sys_c, signal.lti):
        ss = sys_c.to_ss()
        mats = (ss.A, ss.B, ss.C, ss.D)
    else:
        mats = None
        try:
            abcd = np.asarray(sys_c, dtype=float)
        except (ValueError, TypeError):
            abcd = None
        if abcd is not None and abcd.ndim == 2:
            # An ABCD matrix with a single output row (toolbox convention).
            n = abcd.shape[0] - 1
            if n < 0 or abcd.shape[1] <= n:
                raise ValueError(f"ABCD matrix of shape {abcd.shape} has no input columns")
            mats = (abcd[:n, :n], abcd[:n, n:], abcd[n:, :n], abcd[n:, n:])
        elif isinstance(sys_c, Sequence) and len(sys_c) == 4:
            mats = tuple(sys_c)
        if mats is None:
            raise TypeError(
                "sys_c must be a scipy.signal.lti, an (A, B, C, D) tuple or an ABCD matrix"
            )
    A, B, C, D = (np.atleast_2d(np.asarray(m, dtype=float)) for m in mats)
    n = A.shape[0]
    if n == 0 or A.shape != (n, n):
        raise ValueError(f"A must be square with at least one state, got shape {A.shape}")
    if B.shape[0] != n and B.shape[1] == n:
        B = B.T  # a 1-D B (single input) arrives as a row
    if C.shape[1] != n:
        raise ValueError(f"C has shape {C.shape}, expected (p, {n})")
    if B.shape[0] != n:
        raise ValueError(f"B has shape {B.shape}, expected ({n}, m)")
    if D.shape != (C.shape[0], B.shape[1]):
        if D.size == 1:
            D = np.full((C.shape[0], B.shape[1]), D.item())
        else:
            raise ValueError(f"D has shape {D.shape}, expected {(C.shape[0], B.shape[1])}")
    return A, B, C, D


def _dac_timing(t: ArrayLike, ni: int) -> np.ndarray:
    """Expand the ``t`` argument of :func:`mapCtoD` to one ``[t1, t2]`` row per input."""
    tt = np.asarray(t, dtype=float)
    if tt.shape == (2,):
        tt = tt.reshape(1, 2)
    if tt.ndim != 2 or tt.shape[1] != 2:
        raise ValueError(f"t must be a [t1, t2] pair or one such row per input, got {tt.shape}")
    if tt.shape[0] == 1 and ni > 1:
        # Toolbox rule: the first input is the CT input, the row applies to all others.
        tt = np.vstack([[-1.0, -1.0], np.repeat(tt, ni - 1, axis=0)])
    elif tt.shape[0] == ni - 1 and ni > 1 and not np.all(tt[0] == -1):
        tt = np.vstack([[-1.0, -1.0], tt])
    if tt.shape[0] != ni:
        raise ValueError(f"t has {tt.shape[0]} rows but the system has {ni} inputs")
    for t1, t2 in tt:
        if t1 == -1 and t2 == -1:
            continue
        if not (np.isfinite(t1) and np.isfinite(t2)) or t1 < 0 or t2 < t1:
            raise ValueError(
                f"invalid DAC timing [{t1:g}, {t2:g}]: need 0 <= t1 <= t2 (or [-1, -1])"
            )
    return tt


def _expm_int(A: np.ndarray, B: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Return ``expm(A h)`` and ``int_0^h expm(A s) ds @ B`` from one augmented expm.

    The augmented-matrix form (Van Loan) is exact and, unlike ``inv(A) (expm(A) - I)``,
    needs no invertible ``A`` (integrators and resonators make ``A`` singular).
    """
    n = A.shape[0]
    m = B.shape[1]
    M = np.zeros((n + m, n + m), dtype=np.result_type(A, B, float))
    M[:n, :n] = A * h
    M[:n, n:] = B * h
    E = linalg.expm(M)
    return E[:n, :n], E[:n, n:]


def _pulse_state(A: np.ndarray, b: np.ndarray, a: float, e: float) -> np.ndarray:
    """State at time 1 due to a unit pulse into ``b`` over ``[a, e]`` within ``[0, 1]``.

    Equals ``int_a^e expm(A (1 - tau)) b dtau = expm(A (1 - e)) int_0^(e-a) expm(A s) ds b``.
    """
    _, F = _expm_int(A, b.reshape(-1, 1), e - a)
    return linalg.expm(A * (1.0 - e)) @ F[:, 0]


def _pulse_samples(
    A: np.ndarray, B: np.ndarray, C: np.ndarray, D: np.ndarray, timing: np.ndarray, n: int
) -> np.ndarray:
    """Sampled pulse responses ``y[k] = yc(k-)``, k = 0..n-1, of each input of a CT system.

    Computed directly in the time domain (independently of :func:`mapCtoD`): during the
    pulse ``x(k) = Phi(k - t1) b`` with ``Phi(h) = int_0^h expm(A s) ds``; after it the
    state decays freely, ``x(k) = expm(A (k - t2)) Phi(t2 - t1) b``.

    Returns
    -------
    ndarray, shape (n, p, m)
    """
    nx = A.shape[0]
    p, m = D.shape
    out = np.zeros((n, p, m))
    ks = np.arange(n, dtype=float)
    Ad = linalg.expm(A)
    for j in range(m):
        t1, t2 = timing[j]
        b = B[:, j : j + 1]
        X = np.zeros((n, nx))
        inside = (ks > t1) & (ks <= t2)
        for k in np.flatnonzero(inside):
            X[k] = _expm_int(A, b, k - t1)[1][:, 0]
        k0 = math.floor(t2) + 1
        if k0 < n and nx:
            x = linalg.expm(A * (k0 - t2)) @ _expm_int(A, b, t2 - t1)[1][:, 0]
            for k in range(k0, n):
                X[k] = x
                x = Ad @ x
        out[:, :, j] = X @ C.T + inside[:, None] * D[:, j][None, :]
    return out


def _ntf_impulse(ntf: ZPK, n: int, invert: bool = False) -> np.ndarray:
    """Impulse response (n samples) of the NTF, or of ``1/NTF`` if ``invert``.

    A cascade of first-order complex sections ``(1 - a z^-1) / (1 - b z^-1)`` is used
    instead of expanded polynomials: it stays accurate for the clustered zeros of
    high-order, high-OSR NTFs.
    """
    z, p, k = ntf
    if len(z) != len(p):
        raise ValueError(
            f"the NTF must have as many zeros as poles (got {len(z)} zeros, {len(p)} poles)"
        )
    if k == 0:
        raise ValueError("the NTF gain k must be nonzero")
    x = np.zeros(n, dtype=complex)
    if n == 0:
        return x.real
    num, den = (p, z) if invert else (z, p)
    x[0] = 1.0 / k if invert else k
    for a, b in zip(num, den, strict=True):
        x = signal.lfilter([1.0, -a], [1.0, -b], x)
    return x.real.copy()


def ntf_loop_response(ntf: Any, n: int) -> np.ndarray:
    """Impulse response of the DT loop filter ``L1 = 1 - 1/NTF`` (``n`` samples).

    This is the response from the quantizer output ``v`` to the quantizer input ``y``
    that any loop filter realizing ``ntf`` must have (``NTF = 1 / (1 - L1)``); the
    toolbox's ``impL1(ntf, n - 1)`` returns the same samples.

    Parameters
    ----------
    ntf : transfer function (see :func:`ctdsm.toolbox.as_zpk`)
        The NTF; it must have as many zeros as poles. With ``k = 1`` (``NTF(inf) = 1``)
        the first sample is 0, i.e. ``L1`` is strictly causal.
    n : int
        Number of samples (sample index 0 .. n-1).

    Returns
    -------
    ndarray, shape (n,)
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    h = -_ntf_impulse(as_zpk(ntf), n, invert=True)
    if n:
        h[0] += 1.0
    return h


def ct_loop_response(ABCDc: ArrayLike, tdac2: ArrayLike, n: int) -> np.ndarray:
    """Sampled pulse response of a CT loop filter from ``v`` to ``y`` (``n`` samples).

    ``h[k] = yc(k-)`` when the quantizer output is a unit impulse ``v[0] = 1`` driving
    every feedback DAC (with its own pulse timing) at once, including any direct DAC
    paths to the quantizer. It is the impulse response of the DT equivalent ``L1``
    obtained with :func:`mapCtoD`; for a correct realization of an NTF it equals
    ``ntf_loop_response(ntf, n)``.

    Parameters
    ----------
    ABCDc : array_like, shape (nx + 1, nx + m)
        CT loop filter ``[[Ac, Bc], [Cc, Dc]]`` with inputs ``[u, v1, ..., v_{m-1}]``.
    tdac2 : array_like, shape (m, 2) or (2,)
        DAC timings, one ``[t1, t2]`` row per input, ``[-1, -1]`` for ``u`` (as returned
        by :func:`realizeNTF_ct`). A single row applies to every input but the first.
    n : int
        Number of samples (index 0 .. n-1).

    Returns
    -------
    ndarray, shape (n,)
    """
    n = int(n)
    (Ad, Bd, Cd, Dd), _ = mapCtoD(ABCDc, tdac2)
    h = np.zeros(n)
    if n == 0:
        return h
    h[0] = Dd[0, -1]
    x = Bd[:, -1].copy()
    for k in range(1, n):
        h[k] = Cd[0] @ x
        x = Ad @ x
    return h


# ----------------------------------------------------------------------------------------
# mapCtoD
# ----------------------------------------------------------------------------------------


def mapCtoD(
    sys_c: Any, t: ArrayLike = (0, 1), f0: float = 0.0
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], signal.lti | None]:
    """Map a MIMO CT system with DAC-driven inputs to its exact SIMO DT equivalent.

    The DT system's impulse response from ``v`` equals the CT system's sampled pulse
    response: when the DT inputs are produced by DACs with rectangular pulses, the CT
    output sampled just before each clock edge, ``yc(n-)``, equals the DT output
    ``y[n]``. The clock period is split at the DAC edges and the CT state equation is
    integrated exactly over each piece with matrix exponentials; pulses that extend past
    the end of the period (``t2 > 1``, excess loop delay) are handled with extra states
    holding past values of ``v``.

    Parameters
    ----------
    sys_c : scipy.signal.lti, (A, B, C, D) tuple, or ABCD matrix
        The CT system, time normalised to the sampling period. An ABCD matrix has one
        output row ``[C, D]``.
    t : array_like, shape (2,) or (m, 2)
        DAC pulse edges ``[t1, t2]`` (0 <= t1 <= t2, in periods), one row per input;
        ``[-1, -1]`` marks a CT input (such as the modulator input ``u``). A single row
        is used for every input except the first, which is taken as CT. Default
        ``[0, 1]`` (NRZ, no delay).
    f0 : float
        Normalised frequency (cycles/sample) at which the DT feed-in of each CT input is
        matched to the CT one. At 0 (default) the CT input is treated as held over the
        period (``int_0^1 expm(A s) ds @ Bc``); otherwise each entry is the magnitude,
        with the sign of its real part, of ``int_0^1 expm((A - j 2 pi f0) s) ds @ Bc``,
        the gain of the toolbox's mixed CT/DT prefilter ``Gp`` at ``f0``.

    Returns
    -------
    sys_d : tuple of ndarray
        ``(A, B, C, D)`` of the DT equivalent. Its states are the CT states followed by
        ``K`` delayed copies ``v[n-1] .. v[n-K]`` of the quantizer output (``K = 0`` for
        DAC pulses within one period). Its inputs are the CT inputs (in order) followed
        by the single DT input ``v`` which drives every DAC.
    Gp : scipy.signal.lti or None
        The CT transfer function(s) from the CT input(s) to the output(s),
        ``Cc (sI - Ac)^-1 Bc_u + Dc_u`` as a :class:`scipy.signal.StateSpace`
        (``None`` if the system has no CT input). The signal transfer function of a CT
        modulator is ``STF(f) = Gp(j 2 pi f) * NTF(exp(j 2 pi f))``.

    Notes
    -----
    The toolbox returns ``Gp`` as an array of mixed CT/DT prefilters, one per state; here
    ``Gp`` is the plain CT path, usable with scipy. ``sys_d`` matches the toolbox's
    (same state ordering and ``B`` columns).

    References
    ----------
    R. Schreier and B. Zhang, "Delta-sigma modulators employing continuous-time
    circuitry," *IEEE Trans. Circuits Syst. I*, vol. 43, no. 4, pp. 324-332, 1996.
    S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
    2nd ed., Wiley-IEEE, 2017, ch. 8.
    """
    A, B, C, D = _as_ss(sys_c)
    nx = A.shape[0]
    p, ni = D.shape
    tt = _dac_timing(t, ni)
    is_ct = (tt[:, 0] == -1) & (tt[:, 1] == -1)
    dac = np.flatnonzero(~is_ct)

    # Number of delayed-v states: the state needs v[n-k] while a pulse launched k periods
    # ago still overlaps the current period; the sampled output needs it while the pulse
    # is active at the sampling instant (t1 < k <= t2) and the DAC has a direct path.
    n_delay = 0
    for i in dac:
        t1, t2 = tt[i]
        n_delay = max(n_delay, math.ceil(t2) - 1)
        if np.any(D[:, i] != 0) and math.floor(t2) > t1:
            n_delay = max(n_delay, math.floor(t2))
    ns = nx + n_delay

    Ad = np.zeros((ns, ns))
    Ad[:nx, :nx] = linalg.expm(A)
    for k in range(1, n_delay):
        Ad[nx + k, nx + k - 1] = 1.0  # shift register v[n-k] -> v[n-k-1]
    bv = np.zeros(ns)
    if n_delay:
        bv[nx] = 1.0
    Cd = np.zeros((p, ns))
    Cd[:, :nx] = C
    dv = np.zeros(p)

    for i in dac:
        t1, t2 = tt[i]
        b = B[:, i]
        # Contribution to x[n+1] of the pulse launched k periods before the current one.
        for k in range(max(math.ceil(t2), 1)):
            a, e = max(t1 - k, 0.0), min(t2 - k, 1.0)
            if e <= a or not nx:
                continue
            contrib = _pulse_state(A, b, a, e)
            if k == 0:
                bv[:nx] += contrib
            else:
                Ad[:nx, nx + k - 1] += contrib
        # Direct path: active at the sampling instant n- for the pulse of v[n-k].
        if not np.any(D[:, i] != 0):
            continue
        for k in range(max(math.floor(t1) + 1, 1), math.floor(t2) + 1):
            if t1 < k <= t2:
                Cd[:, nx + k - 1] += D[:, i]

    # CT inputs: held over the period (f0 = 0) or matched at f0.
    ct_idx = np.flatnonzero(is_ct)
    B1 = np.zeros((ns, ct_idx.size))
    if ct_idx.size and nx:
        w0 = 2.0 * np.pi * float(f0)
        G = _expm_int(A - 1j * w0 * np.eye(nx), B[:, ct_idx].astype(complex), 1.0)[1]
        if f0 == 0:
            B1[:nx] = G.real
        else:
            B1[:nx] = np.abs(G) * np.sign(G.real)
    Bd = np.hstack([B1, bv[:, None]])
    Dd = np.hstack([D[:, ct_idx], dv[:, None]])
    Gp = signal.lti(A, B[:, ct_idx], C, D[:, ct_idx]) if ct_idx.size else None
    return (Ad, Bd, Cd, Dd), Gp


# ----------------------------------------------------------------------------------------
# realizeNTF_ct
# ----------------------------------------------------------------------------------------


def _pair_zeros(zeros: np.ndarray, odd: int) -> tuple[complex | None, list[float]]:
    """Split the NTF zeros into the real zero (odd order) and conjugate pairs.

    Returns the real zero and the resonator frequency ``|angle(z)|`` of each pair, pairs in
    the order in which their first zero appears in the NTF (the toolbox's order when
    the zeros are listed as ``[real, pair, pair, ...]``).
    """
    zs = list(np.asarray(zeros, dtype=complex))
    real_zero = None
    if odd:
        r = int(np.argmin(np.abs(np.imag(zs))))
        real_zero = zs.pop(r)
    used = [False] * len(zs)
    ws: list[float] = []
    for a, za in enumerate(zs):
        if used[a]:
            continue
        used[a] = True
        cands = [b for b in range(len(zs)) if not used[b]]
        b = min(cands, key=lambda c: abs(zs[c] - np.conj(za)))
        used[b] = True
        ws.append(float(abs(np.angle(za))))
    return real_zero, ws


def _is_single_timing(tdac: Any) -> bool:
    """True for a ``[t1, t2]`` pair, False for a multi-timing (cell-array-like) list."""
    try:
        arr = np.asarray(tdac, dtype=float)
    except (ValueError, TypeError):
        return False
    if arr.size == 2:
        return True
    if arr.ndim == 1:
        raise ValueError(f"a single-timing tdac must be [t1, t2], got {arr.size} values")
    return False


def _timing_rows(entry: Any) -> np.ndarray:
    """Rows ``[t1, t2]`` of one entry of a multi-timing ``tdac`` (may be empty)."""
    arr = np.asarray(entry, dtype=float)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.shape == (2,):
        return arr.reshape(1, 2)
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr
    raise ValueError(f"each tdac entry must be [], [t1, t2] or a list of them, got {entry!r}")


def _check_row(t1: float, t2: float) -> None:
    if not (np.isfinite(t1) and np.isfinite(t2)) or t1 < 0 or t2 <= t1:
        raise ValueError(f"invalid DAC timing [{t1:g}, {t2:g}]: need 0 <= t1 < t2")


def _stf_gain(Ac: np.ndarray, b: np.ndarray, c: np.ndarray, ntf: ZPK, f0: float) -> complex:
    """``L0c(j 2 pi f0) * NTF(exp(j 2 pi f0))``, the CT modulator's STF at ``f0``.

    When an NTF zero sits at ``f0`` it cancels a resonator pole of ``L0c``; the finite
    limit is then taken as the mean of the values just above and below ``f0`` (error
    O(h^2)).
    """

    def g(f: float) -> complex:
        s = 2j * np.pi * f
        z = np.exp(s)
        l0 = c @ np.linalg.solve(s * np.eye(Ac.shape[0]) - Ac, b.astype(complex))
        return complex(l0 * ntf.k * np.prod(z - ntf.zeros) / np.prod(z - ntf.poles))

    z0 = np.exp(2j * np.pi * f0)
    if np.min(np.abs(ntf.zeros - z0)) > 1e-6 * max(f0, 1e-12):
        try:
            return g(f0)
        except np.linalg.LinAlgError:
            pass  # a CT pole exactly at f0: take the limit below
    h = 1e-6 * f0
    return 0.5 * (g(f0 + h) + g(f0 - h))


def realizeNTF_ct(
    ntf: Any,
    form: str = "FB",
    tdac: Any = (0, 1),
    ordering: ArrayLike | None = None,
    bp: ArrayLike | None = None,
    ABCDc: ArrayLike | None = None,
    method: str = "LOOP",
) -> tuple[np.ndarray, np.ndarray]:
    """Realize an NTF with a continuous-time loop filter.

    The loop filter is a chain of integrators, with a resonator (local feedback ``-w^2``)
    for each pair of NTF zeros at ``exp(+-j w)``, so that its poles map onto the NTF zeros.
    Its free coefficients are found by matching the sampled pulse response of the CT loop
    (from ``v``, through the DAC pulses, to ``y``) to the impulse response of
    ``L1 = 1 - 1/NTF``: this is a linear least-squares problem, solved exactly.

    Parameters
    ----------
    ntf : transfer function (see :func:`ctdsm.toolbox.as_zpk`)
        The NTF, with as many zeros as poles and ``NTF(inf) = 1``. The zeros must lie on
        the unit circle (or be real, for the odd one) for an exact fit.
    form : {'FB', 'FF'}
        ``'FB'``: feedback form, one DAC into every integrator (the DAC coefficients
        ``Bc`` are solved for). ``'FF'``: feed-forward form, one DAC into the first
        integrator and a weighted sum of the integrator outputs (``Cc`` solved for).
    tdac : array_like or list
        DAC pulse timing ``[t1, t2]`` (periods; ``[0, 1]`` NRZ, ``[0, 0.5]`` RZ,
        ``[0.5, 1]`` HRZ, ``[td, 1 + td]`` NRZ with excess loop delay ``td``). When the
        pulse extends into the next period, direct feedback to the quantizer input
        compensates the delay: the DAC's own direct path if the pulse spans the sampling
        instant (``0 < t1 < 1 < t2 < 2``), otherwise extra DACs with timing
        ``[k - 0.5, k + 0.5]``, k = 1 .. ceil(t2) - 1, feeding the quantizer directly.
        For the FB form, ``tdac`` may instead be a list of ``order + 1`` entries (the
        toolbox's cell array), one per integrator and a last one for the direct path to
        the quantizer; each entry is ``[]`` (no DAC), ``[t1, t2]`` or a list of
        ``[t1, t2]`` rows (several DACs), e.g.
        ``[[1, 2], [1, 2], [[0.5, 1], [1, 1.5]], []]``.
    ordering : array_like of int, optional
        Which NTF zero pair (0-based, in the order the pairs appear in the NTF) sets the
        frequency of each resonator, first resonator first. Default ``range(order // 2)``.
    bp : array_like of {0, 1}, optional
        Per resonator: 1 if the next stage takes its input from the resonator's first
        integrator (bandpass section), 0 (default) from its second (lowpass section).
    ABCDc : array_like, optional
        Initial loop-filter structure; its ``Ac`` (and, for FB, ``Cc``) are kept and only
        the DAC/feed-forward coefficients are computed. Default: built from ``form``.
    method : {'LOOP', 'NTF'}
        ``'LOOP'`` (default) matches the loop-filter impulse response ``L1``; ``'NTF'``
        matches ``NTF * L1 = NTF - 1`` instead (the same solution when exact, weighted
        by the NTF when not).

    Returns
    -------
    ABCDc : ndarray, shape (order + 1, order + 1 + n_dac)
        The CT loop filter ``[[Ac, Bc], [Cc, Dc]]``; inputs ``[u, v-DACs...]``. ``Bc[:, 0]``
        feeds ``u`` into the first integrator, scaled for unity STF magnitude at the
        band centre ``f0``, estimated from the NTF zeros by the toolbox's rule (mean
        frequency of the zeros in the upper half plane, 0 when the zeros straddle DC;
        a 2nd-order lowpass NTF with one optimized pair thus gets its zero frequency).
        At ``f0 = 0`` the weight of ``u`` equals the net charge of the DACs feeding the
        first integrator.
    tdac2 : ndarray, shape (1 + n_dac, 2)
        DAC timings, first row ``[-1, -1]`` for ``u``, then one row per DAC column of
        ``ABCDc`` (including automatically added direct DACs).

    Warns
    -----
    RuntimeWarning
        If the pulse-response fit is poor (the structure cannot realize the NTF).

    Notes
    -----
    Zero-pair indices in ``ordering`` are 0-based (Python), the toolbox's are 1-based.

    References
    ----------
    S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
    2nd ed., Wiley-IEEE, 2017, ch. 8 (impulse-invariant CT realization, excess loop
    delay compensation).
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005.
    """
    form = str(form).upper()
    method = str(method).upper()
    if form not in ("FB", "FF"):
        raise ValueError(f"form must be 'FB' or 'FF', got {form!r}")
    if method not in ("LOOP", "NTF"):
        raise ValueError(f"method must be 'LOOP' or 'NTF', got {method!r}")

    h = as_zpk(ntf)
    zeros = np.array(h.zeros, dtype=complex)
    order = len(h.poles)
    if order == 0:
        raise ValueError("the NTF has no poles")
    if len(zeros) != order:
        raise ValueError(f"the NTF must have as many zeros as poles ({len(zeros)} != {order})")
    order2, odd = divmod(order, 2)
    # Multiple zeros at z = 1 obtained by root finding scatter by ~eps^(1/m); put them
    # back on z = 1 (tighter than the toolbox's eps^(1/(order+1)), which could also
    # capture genuine optimized zeros of high-order, high-OSR NTFs).
    tol = min(np.finfo(float).eps ** (1.0 / (1 + order)), 1e-5)
    zeros[np.abs(zeros - 1) < tol] = 1.0
    ntf_used = ZPK(zeros, np.asarray(h.poles, dtype=complex), h.k)
    real_zero, ws = _pair_zeros(zeros, odd)

    ordering = np.arange(order2) if ordering is None else np.asarray(ordering, dtype=int)
    bp = np.zeros(order2) if bp is None else np.asarray(bp, dtype=float)
    if ordering.shape != (order2,) or np.any((ordering < 0) | (ordering >= max(order2, 1))):
        raise ValueError(f"ordering must hold {order2} zero-pair indices in 0..{order2 - 1}")
    if bp.shape != (order2,):
        raise ValueError(f"bp must have {order2} entries (one per resonator)")

    # ---- DAC timing
    multi = not _is_single_timing(tdac)
    n_extra = 0
    if multi:
        if form != "FB":
            raise ValueError("a multi-timing tdac is only supported with form='FB'")
        if isinstance(tdac, np.ndarray):
            tdac = list(tdac)
        if not isinstance(tdac, Sequence) or len(tdac) != order + 1:
            raise ValueError(f"a multi-timing tdac must have order + 1 = {order + 1} entries")
        targets: list[int] = []  # integrator index, or `order` for the direct path
        rows: list[np.ndarray] = []
        for i, entry in enumerate(tdac):
            for row in _timing_rows(entry):
                _check_row(*row)
                targets.append(i)
                rows.append(row)
        if not rows:
            raise ValueError("tdac defines no DAC")
        timing = np.array(rows)
        tdac2 = np.vstack([[-1.0, -1.0], timing])
    else:
        t1, t2 = np.asarray(tdac, dtype=float).ravel()
        _check_row(t1, t2)
        n_direct = math.ceil(t2) - 1
        # A pulse spanning the first sampling instant realizes the z^-1 direct term
        # itself; otherwise extra DACs [k - 1/2, k + 1/2] provide z^-k directly.
        n_extra = n_direct - 1 if (0 < t1 < 1 < t2 < 2) else n_direct
        extra = [[k - 0.5, k + 0.5] for k in range(1, n_extra + 1)]
        tdac2 = np.array([[-1.0, -1.0], [t1, t2], *extra])

    # ---- structure
    if ABCDc is None:
        abcd = np.zeros((order + 1, order + 2))
        if odd:
            abcd[0, 0] = float(np.real(np.log(complex(real_zero))))
            abcd[1, 0] = 1.0
        for i in range(order2):
            i1 = 2 * i + odd
            w = ws[ordering[i]]
            abcd[i1, i1 + 1] = 0.0 - w * w  # 0.0 - avoids a printed -0
            abcd[i1 + 1, i1] = 1.0
            abcd[i1 + 2, i1] = bp[i]
            abcd[i1 + 2, i1 + 1] = 1.0 - bp[i]
    else:
        abcd = np.atleast_2d(np.asarray(ABCDc, dtype=float))
        if abcd.shape[0] != order + 1 or abcd.shape[1] < order:
            raise ValueError(f"ABCDc must have {order + 1} rows and >= {order} columns")
    Ac = abcd[:order, :order].copy()

    # ---- pulse responses of the free coefficients
    n_imp = math.ceil(2 * order + np.max(tdac2[:, 1]) + 1)
    n_samp = n_imp + 1
    eye_d = np.hstack([np.eye(order), np.zeros((order, 1))])
    if form == "FB":
        Cc = abcd[order : order + 1, :order].copy()
        if multi:
            Bf = eye_d[:, targets]
            Df = (np.arange(order + 1)[targets] == order).astype(float)[None, :]
        else:
            Bf = eye_d
            Df = np.zeros((1, order + 1))
            Df[0, order] = 1.0
            timing = np.repeat(tdac2[1:2], order + 1, axis=0)
        yy = _pulse_samples(Ac, Bf, Cc, Df, timing, n_samp)[:, 0, :]
    else:
        bff = np.zeros((order, 1))
        bff[0, 0] = -1.0
        Cf = np.vstack([np.eye(order), np.zeros((1, order))])
        Dff = np.zeros((order + 1, 1))
        Dff[order, 0] = 1.0
        yy = _pulse_samples(Ac, bff, Cf, Dff, tdac2[1:2], n_samp)[:, :, 0]
    if n_extra > 0:
        # The main DAC's direct path is replaced by direct impulses at samples 1..n_extra.
        impulses = np.zeros((n_samp, n_extra))
        impulses[np.arange(1, n_extra + 1), np.arange(n_extra)] = 1.0
        yy = np.hstack([yy[:, :-1], impulses])

    target = ntf_loop_response(ntf_used, n_samp)
    if method == "NTF":
        hn = _ntf_impulse(ntf_used, n_samp)
        yy = np.column_stack([np.convolve(col, hn)[:n_samp] for col in yy.T])
        target = hn.copy()
        target[0] -= 1.0

    # ---- exact least squares (columns equilibrated: their scales differ by decades)
    norms = np.linalg.norm(yy, axis=0)
    norms[norms == 0] = 1.0
    xs, *_ = np.linalg.lstsq(yy / norms, target, rcond=None)
    x = xs / norms
    resid = np.linalg.norm(yy @ x - target)
    if resid > 1e-6 * max(1.0, float(np.linalg.norm(target))):
        warnings.warn(
            f"Pulse response fit is poor (residual {resid:.3g}): the loop-filter structure "
            "cannot realize this NTF exactly",
            RuntimeWarning,
            stacklevel=2,
        )
    # Coefficients whose whole contribution is at round-off level are exactly zero
    # (e.g. the direct path of an undelayed NRZ loop).
    negligible = np.abs(x) * np.linalg.norm(yy, axis=0) < 1e-11 * max(
        1.0, float(np.linalg.norm(target))
    )
    x[negligible] = 0.0

    # ---- assemble
    n_dac = tdac2.shape[0] - 1
    Bc = np.zeros((order, 1 + n_dac))
    Dc = np.zeros((1, 1 + n_dac))
    Bc[0, 0] = 1.0
    if form == "FB":
        if multi:
            for j, tgt in enumerate(targets):
                if tgt < order:
                    Bc[tgt, 1 + j] = x[j]
                else:
                    Dc[0, 1 + j] = x[j]
        else:
            Bc[:, 1] = x[:order]
            if n_extra > 0:
                Dc[0, 2:] = x[order:]
            else:
                Dc[0, 1] = x[order]
    else:
        Bc[0, 1] = -1.0
        Cc = x[None, :order].copy()
        if n_extra > 0:
            Dc[0, 2:] = x[order:]
        else:
            Dc[0, 1] = x[order]

    # ---- scale the input for unity STF at the band centre (toolbox rule for f0)
    fz = np.angle(zeros) / (2 * np.pi)
    same_side = np.abs(fz - fz[0]) <= np.abs(fz + fz[0])
    fz = fz[same_side]
    f0 = float(np.mean(fz))
    if np.min(np.abs(fz)) < 3 * np.min(np.abs(fz - f0)) or abs(f0) < 1e-12:
        f0 = 0.0
    if f0 == 0.0:
        # At DC the first integrator's input must average to zero: u balances the net
        # charge of the DACs feeding it.
        charge = abs(float(Bc[0, 1:] @ (tdac2[1:, 1] - tdac2[1:, 0])))
        if charge > 0:
            Bc[:, 0] *= charge / Bc[0, 0]
    else:
        g0 = abs(_stf_gain(Ac, Bc[:, 0], Cc[0], ntf_used, f0))
        if g0 > 0 and np.isfinite(g0):
            Bc[:, 0] /= g0

    out = np.block([[Ac, Bc], [Cc, Dc]])
    return out, tdac2
