"""Discrete-time realization of an NTF: structures, ABCD matrices, transfer functions, scaling.

The structures are those of Schreier's Delta-Sigma Toolbox (Schreier & Temes 2005,
sec. 4.5 and appendix B; Pavan, Schreier & Temes 2017, ch. 4):

``CIFB``
    cascade of delaying integrators, distributed feedback (``a``) and feed-in (``b``);
    resonator feedback ``-g`` from the second to the first integrator of a pair.
``CIFF``
    cascade of delaying integrators, feedforward summation (``a``) into the quantizer.
``CRFB``
    cascade of resonators, feedback form. Each resonator is a delaying integrator followed
    by a non-delaying one (the LDI pair), so the resonator poles lie exactly on the unit
    circle for ``g = 2 - 2 cos(theta)``.
``CRFF``
    cascade of resonators, feedforward form.
``CRFBD``
    CRFB with a delaying quantizer (the last integrator is delaying).
``CRFFD``
    CRFF with a delaying quantizer; the ABCD matrix has one extra state (``y`` delayed).
``Stratos``
    CIFF-like structure with non-delaying resonator feedbacks (J. Gealow's variant).

Coefficient conventions (shared by :func:`realizeNTF`, :func:`stuffABCD`, :func:`mapABCD`):
``a`` (length ``n``) feedback (FB forms) or feedforward (FF forms) coefficients, ``g``
(length ``n // 2``) resonator coefficients, ``b`` (length ``n + 1``) input feed-ins, the last
one going directly to the quantizer, ``c`` (length ``n``) inter-stage gains.

The NTF zeros must be ordered as in the toolbox: for an odd order the real zero first, then
complex-conjugate pairs. :func:`realizeNTF` reorders them if they are not.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005.
S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
2nd ed., Wiley-IEEE, 2017.
R. Schreier, *The Delta-Sigma Toolbox, Version 7.3*, 2009 (function reference).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import linalg

from . import _checks as chk
from ._common import ZPK, as_zpk, evalTF, partitionABCD
from ._kernels import run_dsm_kernel, split_abcd
from ._structures import FB_FORMS, FORMS, as_coeffs, check_form, stuff, unstuff

__all__ = ["realizeNTF", "stuffABCD", "mapABCD", "calculateTF", "scaleABCD", "FORMS"]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _order_zeros(z: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Return the zeros in toolbox order: (odd order) one real zero, then conjugate pairs.

    A list that already follows the convention is returned unchanged, so that the pairing
    chosen by the NTF designer (which resonator gets which ``g``) is kept.
    """
    z = np.asarray(z, dtype=complex)
    n = z.size
    odd = n % 2

    def ok(zz: np.ndarray) -> bool:
        if odd and abs(zz[0].imag) > tol:
            return False
        for i in range(odd, n - 1, 2):
            if abs(zz[i] - np.conj(zz[i + 1])) > tol * max(1.0, abs(zz[i])):
                return False
        return True

    if ok(z):
        return z
    real = sorted((x.real for x in z if abs(x.imag) <= tol), key=lambda r: -r)
    upper = sorted((x for x in z if x.imag > tol), key=lambda c: abs(np.angle(c)))
    out: list[complex] = []
    if odd:
        if not real:
            raise ValueError("an odd-order NTF needs a real zero")
        out.append(complex(real.pop(0)))  # the one nearest z = 1 feeds the lone integrator
    if len(real) % 2:
        raise ValueError("NTF zeros are not in complex-conjugate pairs")
    out.extend(complex(r) for r in real)
    for c in upper:
        out.extend([c, np.conj(c)])
    if len(out) != n:
        raise ValueError("NTF zeros are not in complex-conjugate pairs")
    return np.asarray(out)


def _zset(
    zeros: np.ndarray, npts: int = 200, radius: float = 1.1, dmin: float = 0.09
) -> np.ndarray:
    """Points on the circle ``|z| = radius`` that keep clear of the NTF zeros.

    This is the toolbox's choice of matching points for ``L1 = 1 - 1/H``.
    """
    k = np.arange(1, npts + 1)
    pts = radius * np.exp(2j * np.pi * k / npts)
    if zeros.size:
        keep = np.all(np.abs(pts[:, None] - zeros[None, :]) > dmin, axis=1)
        pts = pts[keep]
    return pts


def _loop_filter_at(ABCD: np.ndarray, z: np.ndarray, nu: int = 1) -> tuple[np.ndarray, ...]:
    """Evaluate the loop-filter transfer functions ``L0`` (u->y) and ``L1`` (v->y) at ``z``.

    Returns ``L0`` with shape ``(len(z), nu)`` and ``L1`` with shape ``(len(z),)`` for a
    single-quantizer ABCD with ``nu`` inputs.
    """
    ABCD = np.asarray(ABCD)
    n = ABCD.shape[0] - 1
    A, B, C, D = ABCD[:n, :n], ABCD[:n, n:], ABCD[n:, :n], ABCD[n:, n:]
    z = np.ravel(z)
    if n:
        pencil = z[:, None, None] * np.eye(n)[None] - A[None]
        X = np.linalg.solve(pencil, np.broadcast_to(B, (z.size, *B.shape)))
        out = np.einsum("j,mjk->mk", C[0], X) + D[0]
    else:
        out = np.broadcast_to(D[0], (z.size, B.shape[1])).astype(complex)
    return out[:, :nu], out[:, nu]


# --------------------------------------------------------------------------------------
# stuffABCD / mapABCD
# --------------------------------------------------------------------------------------


def stuffABCD(a: Any, g: Any, b: Any, c: Any, form: str = "CRFB") -> np.ndarray:
    """Build the ABCD matrix of a modulator structure from its coefficients.

    Parameters
    ----------
    a : array_like, shape (n,)
        Feedback (FB forms) or feedforward (FF forms) coefficients.
    g : array_like, shape (n // 2,)
        Resonator coefficients (may be empty for ``n < 2``).
    b : array_like, shape (n + 1,) or scalar
        Input feed-in coefficients; a scalar means a single feed-in to the first integrator.
    c : array_like, shape (n,)
        Integrator inter-stage gains.
    form : {'CRFB', 'CRFF', 'CIFB', 'CIFF', 'CRFBD', 'CRFFD', 'Stratos'}
        Structure.

    Returns
    -------
    ABCD : ndarray, shape (n + 1, n + 2)
        ``[[A, B], [C, D]]`` with inputs ``[u, v]`` and output ``y``. For ``'CRFFD'`` the
        shape is ``(n + 2, n + 3)``: the quantizer input is delayed by one extra state.

    See Also
    --------
    mapABCD : the inverse operation.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    appendix B (structure diagrams).
    """
    check_form(form, "stuffABCD")
    return stuff(*as_coeffs(a, g, b, c, "stuffABCD"), form)


def mapABCD(ABCD: Any, form: str = "CRFB") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Recover the structure coefficients from an (unscaled) ABCD matrix.

    Parameters
    ----------
    ABCD : array_like, shape (n + 1, n + 2)
        As produced by :func:`stuffABCD` (``(n + 2, n + 3)`` for ``'CRFFD'``).
    form : str
        Structure, see :func:`stuffABCD`.

    Returns
    -------
    a, g, b, c : ndarray
        Shapes ``(n,)``, ``(n // 2,)``, ``(n + 1,)``, ``(n,)``.

    Raises
    ------
    ValueError
        If ``form`` is unknown, or ``ABCD`` is not a finite real ``(n + 1, n + 2)`` matrix
        with ``n >= 1`` (``n >= 2`` rows of states for ``'CRFFD'``).

    Notes
    -----
    This is the exact inverse of :func:`stuffABCD` for every form (the toolbox version
    ignores the ``g * b`` cross terms of the Stratos form; here they are undone too).
    """
    check_form(form, "mapABCD")
    M = chk.abcd("mapABCD", "ABCD", ABCD, nu=1, min_states=2 if form == "CRFFD" else 1)
    if M.dtype.kind == "c":
        raise ValueError("mapABCD: ABCD must be real")
    return unstuff(np.array(M, dtype=float), form)


# --------------------------------------------------------------------------------------
# realizeNTF
# --------------------------------------------------------------------------------------


def _resonator_gains(z: np.ndarray, form: str) -> tuple[np.ndarray, np.ndarray]:
    """Resonator coefficients ``g`` of ``form`` for the ordered NTF zeros ``z``.

    Resonator forms: ``g = 2 - 2 Re z`` (an LDI pair resonates on the unit circle).
    Integrator forms (CIFB, CIFF): a pair of delaying integrators resonates at
    ``1 +- j sqrt(g)``, so the zeros are moved to ``Re z = 1`` (with a warning) and
    ``g = (Im z)^2``. Returns ``g`` and the zeros actually realized.
    """
    n = z.size
    odd = n % 2
    if form in ("CIFB", "CIFF"):
        if np.any(np.abs(z.real - 1.0) > 1e-3):
            warnings.warn(
                f"realizeNTF: form {form} places the NTF zeros at Re(z) = 1; they have been moved.",
                stacklevel=3,
            )
        z = 1.0 + 1j * z.imag
        return np.array([z[odd + 2 * i].imag ** 2 for i in range(n // 2)]), z
    return np.array([2.0 * (1.0 - z[odd + 2 * i].real) for i in range(n // 2)]), z


def _fit_feedback(
    p: np.ndarray, z: np.ndarray, g: np.ndarray, c: np.ndarray, form: str, zset: np.ndarray
) -> np.ndarray:
    """Least-squares ``a`` such that the structure's ``L1`` equals ``1 - 1/NTF`` on ``zset``.

    ``L1`` is linear in ``a``, so each column of the system is the ``L1`` of one unit
    coefficient. The toolbox fits the first ``2 n`` points only (a short arc near
    ``z = 1.1``); when that fit is exact, ``a`` is re-solved with all points and real
    unknowns, the same answer but much better conditioned for zeros spread round the
    circle. (An approximate fit -- zeros off the unit circle for the resonator forms, an
    odd-order real zero away from z = 1 -- keeps the toolbox's points.)
    """
    n = p.size
    # Target L1 = 1 - 1/H in product form (monic: the gain is not used).
    ratio = np.ones(zset.size, dtype=complex)
    for pi, zi in zip(p, z, strict=True):
        ratio *= (zset - pi) / (zset - zi)
    target = 1.0 - ratio
    T = np.empty((zset.size, n), dtype=complex)
    zero_b = np.zeros(n + 1)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = 1.0
        _, T[:, i] = _loop_filter_at(stuffABCD(ei, g, zero_b, c, form), zset)
    a = np.linalg.lstsq(T[: 2 * n], target[: 2 * n], rcond=None)[0].real
    resid = np.linalg.norm(T @ a - target) / np.linalg.norm(target)
    if resid < 1e-6:
        Tr = np.vstack([T.real, T.imag])
        a = np.linalg.lstsq(Tr, np.concatenate([target.real, target.imag]), rcond=None)[0]
    return a


def _fit_feedins(
    a: np.ndarray, g: np.ndarray, c: np.ndarray, form: str, zset: np.ndarray, stf: Any
) -> np.ndarray:
    """Least-squares feed-ins ``b`` for the requested STF on ``zset`` (the STF is linear in b)."""
    n = a.size
    S = np.empty((zset.size, n + 1), dtype=complex)
    for i in range(n + 1):
        bi = np.zeros(n + 1)
        bi[i] = 1.0
        L0, L1 = _loop_filter_at(stuffABCD(a, g, bi, c, form), zset)
        S[:, i] = L0[:, 0] / (1.0 - L1)
    want = evalTF(stf, zset)
    return np.linalg.lstsq(S, want, rcond=None)[0].real


def realizeNTF(
    ntf: Any, form: str = "CRFB", stf: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients of a modulator structure that realizes a given NTF.

    Parameters
    ----------
    ntf : ZPK or any transfer function accepted by :func:`as_zpk`
        The NTF, with ``NTF(inf) = 1`` (the gain is not used). The zeros should be ordered
        real zero first (odd order), then complex-conjugate pairs; the pair order decides
        which resonator gets which ``g``.
    form : {'CRFB', 'CRFF', 'CIFB', 'CIFF', 'CRFBD', 'CRFFD', 'Stratos'}
        Structure (see the module docstring).
    stf : transfer function, optional
        Desired STF. By default the feed-ins are ``b = [a, 1]`` for the FB forms (STF = 1
        for CRFB and CIFB) and ``b = [1, 0, ..., 0, 1]`` for the FF forms.

    Returns
    -------
    a : ndarray, shape (n,)
    g : ndarray, shape (n // 2,)
    b : ndarray, shape (n + 1,)
    c : ndarray, shape (n,), all ones.

    Raises
    ------
    ValueError
        If ``ntf`` has non-finite roots or gain, no poles, or more zeros than poles.

    Notes
    -----
    Toolbox algorithm: ``g`` follows from the NTF zeros (``g = 2 - 2 Re z`` for the
    resonator forms, ``g = (Im z)^2`` for the integrator forms, whose zeros are moved to
    ``Re z = 1``); ``a`` is then the least-squares solution of ``L1(z) = 1 - 1/NTF(z)`` at
    ``2 n`` points on ``|z| = 1.1`` (real part of the complex solution). ``L1`` of each unit
    coefficient is evaluated from the structure's own state-space description. When that
    fit is exact (the structure can realize the NTF), ``a`` is re-solved as a real
    least-squares problem over all ~200 points of the circle: the same answer, but far
    better conditioned for zeros spread round the circle.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    sec. 4.5 and appendix B.
    """
    check_form(form, "realizeNTF")
    h = chk.finite_zpk("realizeNTF", "ntf", as_zpk(ntf))
    p = np.asarray(h.poles, dtype=complex)
    n = p.size
    if n == 0:
        raise ValueError("realizeNTF: ntf has no poles")
    if np.asarray(h.zeros).size != n:
        raise ValueError(
            f"the NTF must have as many zeros as poles (NTF(inf) = 1); "
            f"got {np.asarray(h.zeros).size} zeros and {n} poles"
        )
    c = np.ones(n)
    g, z = _resonator_gains(_order_zeros(h.zeros), form)
    zset = _zset(z)
    a = _fit_feedback(p, z, g, c, form, zset)
    if stf is not None:
        return a, g, _fit_feedins(a, g, c, form, zset, stf), c
    b = np.concatenate([a, [1.0]]) if form in FB_FORMS else np.zeros(n + 1)
    if form not in FB_FORMS:
        b[0] = b[-1] = 1.0
    return a, g, b, c


# --------------------------------------------------------------------------------------
# calculateTF
# --------------------------------------------------------------------------------------


def _cancel(zeros: np.ndarray, poles: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Cancel pole/zero pairs closer than ``tol`` (relative to ``max(1, |p|)``)."""
    kept_z = list(np.asarray(zeros, dtype=complex))
    kept_p = []
    for p in np.asarray(poles, dtype=complex):
        if kept_z:
            d = np.abs(np.asarray(kept_z) - p)
            i = int(np.argmin(d))
            if d[i] < tol * max(1.0, abs(p)):
                kept_z.pop(i)
                continue
        kept_p.append(p)
    return np.asarray(kept_z, dtype=complex), np.asarray(kept_p, dtype=complex)


def _siso_zpk(A: np.ndarray, b: np.ndarray, c: np.ndarray, d: float, tol: float) -> ZPK:
    """Zeros, poles and gain of ``c (zI - A)^-1 b + d``, with near pole/zero cancellation.

    The gain is the first Markov parameter that is not zero to rounding (``d``, ``c b``,
    ``c A b``, ...); its index ``r`` (the relative degree) fixes the number of finite
    zeros, ``n - r``, taken as the smallest generalized eigenvalues of the Rosenbrock pencil.
    Feed-in vectors found by cancellation (e.g. a fitted STF) otherwise produce spurious,
    very large "zeros" from rounding.
    """
    n = A.shape[0]
    poles = linalg.eigvals(A) if n else np.zeros(0, complex)
    rel = 1e-10
    nc = np.linalg.norm(c)
    gain, r = d, 0
    if not abs(d) > rel * nc * np.linalg.norm(b):
        gain, r = 0.0, -1
        w = b.copy()
        for j in range(1, n + 1):
            h = float(c @ w)
            if abs(h) > rel * nc * np.linalg.norm(w):
                gain, r = h, j
                break
            w = A @ w
    if r < 0:  # identically zero
        return ZPK(np.zeros(0, complex), np.zeros(0, complex), 0.0)
    nz = n - r
    zeros = np.zeros(0, complex)
    if nz > 0:
        S = np.block([[A, b[:, None]], [c[None, :], np.array([[gain if r == 0 else 0.0]])]])
        T = np.zeros_like(S)
        T[:n, :n] = np.eye(n)
        with np.errstate(divide="ignore", invalid="ignore"):
            w_all = linalg.eigvals(S, T)
        w_all = w_all[np.isfinite(w_all)]
        zeros = w_all[np.argsort(np.abs(w_all))[:nz]]
    zeros, poles = _cancel(zeros, poles, tol)
    return ZPK(_tidy(zeros), _tidy(poles), float(gain))


def _tidy(r: np.ndarray) -> np.ndarray:
    """Snap tiny imaginary parts of (real-system) roots to zero."""
    r = np.asarray(r, dtype=complex).copy()
    small = np.abs(r.imag) < 1e-12 * np.maximum(1.0, np.abs(r))
    r[small] = r[small].real
    return r


def calculateTF(ABCD: Any, k: Any = 1) -> tuple[Any, Any]:
    """NTF and STF of a modulator described by an ABCD matrix, for quantizer gain ``k``.

    Parameters
    ----------
    ABCD : array_like, shape (n + nq, n + nu + nq)
        Loop filter with inputs ``[u, v]`` and outputs ``y``; ``D2`` (v -> y) must be zero.
    k : float or array_like, shape (nq,)
        Quantizer gain(s), default 1.

    Returns
    -------
    ntf, stf : ZPK
        For one quantizer and one input. With several quantizers ``ntf`` is a list of lists
        ``ntf[i][j]`` (from the noise of quantizer ``j`` to output ``i``) and ``stf[i][m]``
        likewise; with several inputs and one quantizer ``stf`` is a list over inputs.

    Raises
    ------
    ValueError
        If ``k`` is empty, not real or not finite; ``ABCD`` is not a finite
        ``(n + nq, n + nu + nq)`` matrix with ``nu >= 1``; or ``D2`` is not zero.

    Notes
    -----
    The closed loop is ``v = K y + e``. Poles and zeros closer than
    ``min(1e-3, max(1e-6, eps ** (1 / rows)))`` are cancelled, the toolbox's tolerance.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005, sec. 4.5.
    """
    ABCD = np.asarray(ABCD)
    if np.iscomplexobj(ABCD) and not np.all(ABCD.imag == 0):
        raise NotImplementedError("calculateTF: complex (quadrature) ABCD is not supported")
    kv = np.atleast_1d(np.asarray(k)).ravel()
    kv = chk.finite_array("calculateTF", "k", kv, allow_empty=False)
    if kv.dtype.kind not in "iuf":
        raise ValueError(f"calculateTF: k must be real numbers; got {k!r}")
    kv = kv.astype(float)
    nq = kv.size
    ABCD = np.real(chk.abcd("calculateTF", "ABCD", ABCD, nq=nq)).astype(float)
    rows, cols = ABCD.shape
    nu = cols - rows
    A, B, C, D = partitionABCD(ABCD, nu + nq)
    B1, B2 = B[:, :nu], B[:, nu:]
    D1, D2 = D[:, :nu], D[:, nu:]
    if np.any(D2 != 0):
        raise ValueError("calculateTF: D2 (v -> y) must be zero (delay-free loop)")
    K = np.diag(kv)
    Acl = A + B2 @ K @ C
    Bu = B1 + B2 @ K @ D1
    Ccl = K @ C
    Du = K @ D1
    tol = min(1e-3, max(1e-6, np.finfo(float).eps ** (1.0 / rows)))

    ntf = [
        [_siso_zpk(Acl, B2[:, j], Ccl[i], float(i == j), tol) for j in range(nq)] for i in range(nq)
    ]
    stf = [[_siso_zpk(Acl, Bu[:, m], Ccl[i], Du[i, m], tol) for m in range(nu)] for i in range(nq)]
    if nq == 1:
        return ntf[0][0], (stf[0][0] if nu == 1 else stf[0])
    return ntf, stf


# --------------------------------------------------------------------------------------
# scaleABCD
# --------------------------------------------------------------------------------------


def _scale_test_input(f: float, N: int, N0: int, rng: np.random.Generator) -> np.ndarray:
    """Toolbox test signal: a unit sine (DC for f = 0) with a raised-cosine start and noise."""
    ramp = 0.5 * (1.0 - np.cos(np.pi / N0 * np.arange(N0)))
    t = np.arange(-N0, N)
    u0 = np.exp(2j * np.pi * f * t)
    u0[:N0] *= ramp
    noise = rng.standard_normal((2, N + N0))
    u0 = u0 + 0.01 * (noise[0] + 1j * noise[1])
    return np.ascontiguousarray(u0.real)


_Simulate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _instability_amplitude(simulate: _Simulate, nlev: int, u0: np.ndarray, ymax: float) -> float:
    """Toolbox coarse search: the first of ``(0.1, 0.2, ... 1.0) (nlev - 1)`` with ``|y| > ymax``.

    Parameters
    ----------
    simulate : callable
        ``xmax, y = simulate(u)``, the modulator from a zero state.
    nlev : int
        Quantizer levels; full scale is ``nlev - 1``.
    u0 : ndarray
        Unit test input (see :func:`_scale_test_input`).
    ymax : float
        Stability threshold on the quantizer input.

    Returns
    -------
    float
        That amplitude, or full scale if every one is stable.

    Raises
    ------
    ValueError
        If the smallest amplitude is already unstable.
    """
    ulist = np.arange(1, 11) / 10.0 * (nlev - 1)
    umax = float(nlev - 1)
    for u in ulist:
        _, y = simulate(u * u0)
        if np.max(np.abs(y)) > ymax:
            umax = float(u)
            break
    if umax == ulist[0]:
        raise ValueError(
            f"scaleABCD: the modulator is unstable even with an input amplitude of {umax:.1f}"
        )
    return umax


def _stable_state_maxima(
    simulate: _Simulate, umax: float, u0: np.ndarray, ymax: float
) -> tuple[np.ndarray, float]:
    """State maxima over the stable runs of ten amplitudes in ``[0.7, 1] umax``.

    The amplitudes are tried in increasing order up to the first unstable one. If even
    ``0.7 umax`` is unstable the range is lowered by 0.7, up to eight times (the toolbox
    would return an invalid scaling instead).

    Returns
    -------
    maxima : ndarray, shape (n,)
        Peak ``|x|`` of each state over the stable runs.
    found : float
        The largest stable amplitude.

    Raises
    ------
    ValueError
        If no stable amplitude is found.
    """
    for _ in range(8):
        maxima = None
        found = umax
        for u in np.linspace(0.7 * umax, umax, 10):
            xmax, y = simulate(u * u0)
            if np.max(np.abs(y)) > ymax:
                break
            found = float(u)
            maxima = xmax if maxima is None else np.maximum(maxima, xmax)
        if maxima is not None:
            return maxima, found
        umax *= 0.7
    raise ValueError("scaleABCD: no stable input amplitude found")


def _check_scale_args(
    nlev: Any, f: Any, ymax: Any, umax: Any, N_sim: Any, N0: Any
) -> tuple[int, float, float, float | None, int, int]:
    """Validate the scalar arguments of :func:`scaleABCD`; returns them converted.

    ``nlev >= 2``, ``N_sim >= 1`` and ``N0 >= 1`` integers, ``0 <= f <= 0.5``, ``ymax > 0``
    (default ``nlev + 5``) and ``umax > 0`` if given, all finite; a :class:`ValueError`
    names the first argument that is not.
    """
    nlev = chk.integer("scaleABCD", "nlev", nlev, 2)
    f = chk.in_range("scaleABCD", "f", f, 0.0, 0.5)
    ymax = nlev + 5 if ymax is None else chk.positive("scaleABCD", "ymax", ymax)
    if umax is not None:
        umax = chk.positive("scaleABCD", "umax", umax)
    N_sim = chk.integer("scaleABCD", "N_sim", N_sim, 1)
    N0 = chk.integer("scaleABCD", "N0", N0, 1)
    return nlev, f, ymax, umax, N_sim, N0


def scaleABCD(
    ABCD: Any,
    nlev: int = 2,
    f: float = 0,
    xlim: Any = 1,
    ymax: float | None = None,
    umax: float | None = None,
    N_sim: float = 1e5,
    N0: int = 10,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Scale the states of a modulator for dynamic range, by simulation.

    Parameters
    ----------
    ABCD : array_like, shape (n + 1, n + 2)
        Loop filter (one quantizer, one input).
    nlev : int
        Number of quantizer levels.
    f : float
        Normalized frequency of the test sine (0: DC), ``1 -> fs``.
    xlim : float or array_like, shape (n,)
        Limit for each state (same units as the quantizer input, full scale ``nlev - 1``).
    ymax : float, optional
        Stability threshold on ``|y|``; default ``nlev + 5``.
    umax : float, optional
        Maximum input amplitude; found by simulation when not given.
    N_sim : int
        Length of the detailed simulations.
    N0 : int
        Length of the raised-cosine start-up envelope.

    Returns
    -------
    ABCDs : ndarray
        Scaled ABCD, ``[[S A S^-1, S B], [C S^-1, D]]``.
    umax : float
        Largest tested input amplitude for which ``|y| <= ymax``.
    S : ndarray, shape (n, n)
        Diagonal scaling matrix (``xs = S x``).

    Raises
    ------
    ValueError
        If ``ABCD`` has a NaN or infinite entry, ``nlev`` is not an integer ``>= 2``,
        ``f`` is not in ``[0, 0.5]``, ``xlim``, ``ymax`` or ``umax`` is not finite and
        ``> 0``, or ``N_sim`` or ``N0`` is not an integer ``>= 1`` (the message names the
        argument); also if no stable input amplitude is found.

    Notes
    -----
    Toolbox procedure: a coarse search over ``(0.1, 0.2, ... 1.0) * (nlev - 1)`` with 1000
    samples finds the first unstable amplitude; then ten amplitudes in ``[0.7, 1] * umax`` are
    simulated for ``N_sim`` samples and the state maxima of the stable ones set the scaling.
    The noise comes from a fixed-seed generator, so the result is repeatable. If even
    ``0.7 umax`` is unstable in the detailed runs the search range is lowered (the toolbox
    would return an invalid scaling).
    """
    ABCD = np.asarray(ABCD)
    if np.iscomplexobj(ABCD) and not np.all(ABCD.imag == 0):
        raise NotImplementedError("scaleABCD: complex (quadrature) ABCD is not supported")
    ABCD = chk.finite_array("scaleABCD", "ABCD", np.real(ABCD).astype(float))
    n = ABCD.shape[0] - 1
    nlev, f, ymax, umax, N_sim, N0 = _check_scale_args(nlev, f, ymax, umax, N_sim, N0)
    xl = np.broadcast_to(np.asarray(xlim, dtype=float), (n,))
    if not (np.isfinite(xl).all() and (xl > 0).all()):
        raise ValueError(f"scaleABCD: xlim must be finite and > 0; got {xlim!r}")
    Ak, Bk, Ck, D1k = split_abcd(ABCD, 1, 1)
    lev = np.array([nlev], dtype=np.int64)
    zero = np.zeros(n)

    def simulate(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _, _, xmax, y = run_dsm_kernel(Ak, Bk, Ck, D1k, u.reshape(1, -1), lev, zero, False)
        return xmax, y

    rng = np.random.default_rng(20050101)  # fixed: the toolbox resets its generator too
    if umax is None:
        umax = _instability_amplitude(simulate, nlev, _scale_test_input(f, 1000, N0, rng), ymax)
    u0 = _scale_test_input(f, int(N_sim), N0, rng)
    maxima, found = _stable_state_maxima(simulate, umax, u0, ymax)

    scale = maxima / xl
    S = np.diag(1.0 / scale)
    Sinv = np.diag(scale)
    A, B, C, D = partitionABCD(ABCD)
    ABCDs = np.block([[S @ A @ Sinv, S @ B], [C @ Sinv, D]])
    return ABCDs, found, S
