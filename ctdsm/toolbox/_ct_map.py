"""Exact sampled-data maps of CT systems driven by rectangular DAC pulses.

The machinery of :func:`ctdsm.toolbox.ct.mapCtoD` (the DT equivalent of a CT loop filter)
and the time-domain pulse and impulse responses that :func:`ctdsm.toolbox.ct.realizeNTF_ct`
fits. Time is normalized to the clock period; a DAC pulse has unit height over
``[t1, t2]`` after the sampling instant, and the quantizer samples just before the edge.

References
----------
R. Schreier and B. Zhang, "Delta-sigma modulators employing continuous-time
circuitry," *IEEE Trans. Circuits Syst. I*, vol. 43, no. 4, pp. 324-332, 1996.
C. F. Van Loan, "Computing integrals involving the matrix exponential," *IEEE Trans.
Autom. Control*, vol. 23, no. 3, pp. 395-404, 1978.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg, signal

from ._common import ZPK

__all__ = [
    "as_ss",
    "dac_timing",
    "expm_int",
    "pulse_state",
    "pulse_samples",
    "ntf_impulse",
    "l1_impulse",
    "delay_states",
    "dac_maps",
    "ct_input_map",
]


def as_ss(sys_c: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``A, B, C, D`` (2-D float arrays) of a CT system given in any accepted form.

    Parameters
    ----------
    sys_c : scipy.signal.lti, (A, B, C, D) sequence, or ABCD matrix
        An ABCD matrix has a single output row (toolbox convention).

    Raises
    ------
    TypeError
        For a discrete-time system or an unrecognized description.
    ValueError
        If the matrix shapes do not fit together.
    """
    if isinstance(sys_c, signal.dlti):
        raise TypeError("mapCtoD needs a continuous-time system, got a discrete-time one")
    A, B, C, D = (np.atleast_2d(np.asarray(m, dtype=float)) for m in _ss_parts(sys_c))
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


def _ss_parts(sys_c: Any) -> tuple[Any, Any, Any, Any]:
    """The four state-space blocks of an lti, an ABCD matrix or an (A, B, C, D) sequence."""
    if isinstance(sys_c, signal.lti):
        ss = sys_c.to_ss()
        return ss.A, ss.B, ss.C, ss.D
    try:
        abcd = np.asarray(sys_c, dtype=float)
    except (ValueError, TypeError):
        abcd = None
    if abcd is not None and abcd.ndim == 2:
        n = abcd.shape[0] - 1
        if n < 0 or abcd.shape[1] <= n:
            raise ValueError(f"ABCD matrix of shape {abcd.shape} has no input columns")
        return abcd[:n, :n], abcd[:n, n:], abcd[n:, :n], abcd[n:, n:]
    if isinstance(sys_c, Sequence) and len(sys_c) == 4:
        A, B, C, D = sys_c
        return A, B, C, D
    raise TypeError("sys_c must be a scipy.signal.lti, an (A, B, C, D) tuple or an ABCD matrix")


def dac_timing(t: ArrayLike, ni: int) -> np.ndarray:
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


def expm_int(A: np.ndarray, B: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
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


def pulse_state(A: np.ndarray, b: np.ndarray, a: float, e: float) -> np.ndarray:
    """State at time 1 due to a unit pulse into ``b`` over ``[a, e]`` within ``[0, 1]``.

    Equals ``int_a^e expm(A (1 - tau)) b dtau = expm(A (1 - e)) int_0^(e-a) expm(A s) ds b``.
    """
    _, F = expm_int(A, b.reshape(-1, 1), e - a)
    return linalg.expm(A * (1.0 - e)) @ F[:, 0]


def pulse_samples(
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
        for i in np.flatnonzero(inside):
            X[i] = expm_int(A, b, i - t1)[1][:, 0]
        k0 = math.floor(t2) + 1
        if k0 < n and nx:
            x = linalg.expm(A * (k0 - t2)) @ expm_int(A, b, t2 - t1)[1][:, 0]
            for k in range(k0, n):
                X[k] = x
                x = Ad @ x
        out[:, :, j] = X @ C.T + inside[:, None] * D[:, j][None, :]
    return out


def ntf_impulse(ntf: ZPK, n: int, invert: bool = False) -> np.ndarray:
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


def l1_impulse(ntf: ZPK, n: int) -> np.ndarray:
    """Impulse response (``n >= 0`` samples) of ``L1 = 1 - 1/NTF``; see ``ntf_loop_response``."""
    h = -ntf_impulse(ntf, n, invert=True)
    if n:
        h[0] += 1.0
    return h


def delay_states(tt: np.ndarray, D: np.ndarray, dac: np.ndarray) -> int:
    """Number ``K`` of delayed-``v`` states the DT equivalent needs.

    The state needs ``v[n-k]`` while a pulse launched ``k`` periods ago still overlaps the
    current period; the sampled output needs it while the pulse is active at the sampling
    instant (``t1 < k <= t2``) and the DAC has a direct path to the output.

    Parameters
    ----------
    tt : ndarray, shape (m, 2)
        Pulse edges per input (periods).
    D : ndarray, shape (p, m)
        Direct feedthrough of the CT system.
    dac : ndarray of int
        Indices of the DAC-driven inputs.
    """
    n_delay = 0
    for i in dac:
        t1, t2 = tt[i]
        n_delay = max(n_delay, math.ceil(t2) - 1)
        if np.any(D[:, i] != 0) and math.floor(t2) > t1:
            n_delay = max(n_delay, math.floor(t2))
    return n_delay


def dac_maps(
    A: np.ndarray,
    B: np.ndarray,
    C: np.ndarray,
    D: np.ndarray,
    tt: np.ndarray,
    dac: np.ndarray,
    n_delay: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Ad``, the ``v`` column ``bv`` and ``Cd`` of the DT equivalent.

    The states are the CT states followed by the shift register ``v[n-1] .. v[n-K]``,
    ``K = n_delay``. The clock period is split at the DAC edges and the state equation is
    integrated exactly over each piece: the part of a pulse launched ``k`` periods ago
    that falls in the current period adds to column ``k`` (``bv`` for ``k = 0``).

    Returns
    -------
    Ad : ndarray, shape (nx + K, nx + K)
    bv : ndarray, shape (nx + K,)
    Cd : ndarray, shape (p, nx + K)
    """
    nx = A.shape[0]
    p = C.shape[0]
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
    for i in dac:
        t1, t2 = tt[i]
        _add_pulse(Ad, bv, A, B[:, i], t1, t2)
        # Direct path: active at the sampling instant n- for the pulse of v[n-k].
        if not np.any(D[:, i] != 0):
            continue
        for k in range(max(math.floor(t1) + 1, 1), math.floor(t2) + 1):
            if t1 < k <= t2:
                Cd[:, nx + k - 1] += D[:, i]
    return Ad, bv, Cd


def _add_pulse(
    Ad: np.ndarray, bv: np.ndarray, A: np.ndarray, b: np.ndarray, t1: float, t2: float
) -> None:
    """Add the state contributions of one DAC pulse over ``[t1, t2]`` to ``Ad`` and ``bv``."""
    nx = A.shape[0]
    for k in range(max(math.ceil(t2), 1)):
        a, e = max(t1 - k, 0.0), min(t2 - k, 1.0)
        if e <= a or not nx:
            continue
        contrib = pulse_state(A, b, a, e)
        if k == 0:
            bv[:nx] += contrib
        else:
            Ad[:nx, nx + k - 1] += contrib


def ct_input_map(A: np.ndarray, Bu: np.ndarray, ns: int, f0: float) -> np.ndarray:
    """DT feed-in ``B1`` (``ns`` rows) of the CT inputs with columns ``Bu``.

    At ``f0 = 0`` the input is taken as held over the period,
    ``int_0^1 expm(A s) ds @ Bu``; otherwise each entry of
    ``G = int_0^1 expm((A - j 2 pi f0) s) ds @ Bu`` contributes its magnitude with the sign
    of its real part (the gain at ``f0`` of the toolbox's prefilter ``Gp``).
    """
    nx = A.shape[0]
    B1 = np.zeros((ns, Bu.shape[1]))
    if Bu.shape[1] and nx:
        w0 = 2.0 * np.pi * float(f0)
        G = expm_int(A - 1j * w0 * np.eye(nx), Bu.astype(complex), 1.0)[1]
        if f0 == 0:
            B1[:nx] = G.real
        else:
            B1[:nx] = np.abs(G) * np.sign(G.real)
    return B1
