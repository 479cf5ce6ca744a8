"""NTF synthesis: the toolbox's ``synthesizeNTF``, ``clans``, ``synthesizeChebyshevNTF``.

Also the helpers that go with them: ``ds_optzeros`` (optimal in-band zero locations),
``infnorm`` (peak gain on the unit circle) and ``rmsGain`` (rms gain over a band).

All NTFs are returned as :class:`~ctdsm.toolbox._common.ZPK` with ``k = 1`` (the
NTF of a realizable modulator has ``NTF(inf) = 1``, i.e. ``h(0) = 1``), complex pairs
adjacent.

Algorithms
----------
*Zeros.* Minimizing the in-band noise power ``int_{-1}^{1} prod(x - x_i)^2 w(x) dx`` of
the zeros' factor (frequency ``x`` normalized to the band edge) is a least-squares
problem whose solution is the set of roots of the monic orthogonal polynomial of degree
``n`` for the weight ``w``. With ``w = 1`` these are the Gauss-Legendre nodes (``opt=1``);
forcing a double zero at band centre (``opt=2``, even ``n``) leaves the remaining
``n - 2`` zeros orthogonal for ``w = x**4``, i.e. the square roots of the roots of a
Jacobi polynomial ``P^(0, 3/2)`` in ``u = x**2`` on ``[0, 1]``. Closed forms therefore
exist for every order (the toolbox tabulates them up to order 14).

*Poles.* Schreier's maximally flat pole placement: the denominator magnitude is made
``|D|^2 ~ T^n + x^2`` with ``T = |z + 1/z - 2 cos(2 pi f0)|`` (low-pass: ``T = 4
sin^2(pi f)``), a Butterworth response in ``T``. Its roots satisfy
``p + 1/p = 2 cos(2 pi f0) - r exp(j (2k - 1) pi / n)`` with ``r = x^(2/n)``; the root
inside the unit circle of each quadratic is kept. ``x`` is tuned (bracketed root
finding in ``log r``) so that ``|NTF|`` at the far end of the spectrum (``z = -1``, or
``z = +1`` when ``f0 > 1/4``) equals ``H_inf``. ``|NTF|`` is monotonic in ``T`` away
from the band, so that point is the peak on the unit circle; where it is not (explicit or
asymmetric zeros, very low OSR) the exact peak from :func:`infnorm` is matched instead.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley-IEEE,
2005, sec. 4.4 and appendix A; S. Pavan, R. Schreier and G. C. Temes, 2nd ed., 2017,
ch. 4 and appendix B (Delta-Sigma Toolbox).
J. G. Kenney and L. R. Carley, "Design of multibit noise-shaping data converters",
*Analog Integrated Circuits and Signal Processing*, vol. 3, pp. 259-272, 1993 (CLANS).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.polynomial import legendre
from scipy import optimize, signal, special

from ._common import ZPK, as_zpk

__all__ = [
    "synthesizeNTF",
    "ds_optzeros",
    "clans",
    "synthesizeChebyshevNTF",
    "infnorm",
    "rmsGain",
]


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _ds_f1f2(osr: float, f0: float) -> tuple[float, float]:
    """Band edges (normalized to fs) of a real modulator: [0, 0.5/osr] or f0 -+ 0.25/osr."""
    if f0 > 0.25 / osr:
        return f0 - 0.25 / osr, f0 + 0.25 / osr
    return 0.0, 0.5 / osr


def _cplxpair(x: Any, tol: float = 1e-9) -> np.ndarray:
    """Order roots like MATLAB's ``cplxpair``: pairs (negative imaginary part first) by
    increasing real part, then the real roots in increasing order.

    Pairs are snapped to exact conjugates and near-real roots to real, so that
    polynomials built from the result have real coefficients.
    """
    x = np.atleast_1d(np.asarray(x, dtype=complex)).ravel()
    if x.size == 0:
        return x
    scale = np.maximum(1.0, np.abs(x))
    is_real = np.abs(x.imag) <= tol * scale
    reals = np.sort(x[is_real].real)
    upper = list(x[~is_real & (x.imag > 0)])
    lower = list(x[~is_real & (x.imag < 0)])
    if len(upper) != len(lower):
        raise ValueError("complex values do not come in conjugate pairs")
    pairs = []
    for u in upper:
        j = int(np.argmin([abs(u - np.conj(v)) for v in lower]))
        v = lower.pop(j)
        if abs(u - np.conj(v)) > 1e3 * tol * max(1.0, abs(u)):
            raise ValueError("complex values do not come in conjugate pairs")
        # Average the pair to make it exactly conjugate.
        m = 0.5 * (u + np.conj(v))
        pairs.append(m)
    pairs.sort(key=lambda c: (c.real, abs(c.imag)))
    out = []
    for m in pairs:
        out.extend([np.conj(m), m])
    out.extend(reals.astype(complex))
    return np.asarray(out, dtype=complex)


def _abs_tf(zeros: np.ndarray, poles: np.ndarray, z: complex | np.ndarray) -> Any:
    """``|prod(z - z_i) / prod(z - p_i)|`` (gain 1), evaluated in product form."""
    z = np.asarray(z, dtype=complex)
    num = np.prod(np.abs(z[..., None] - zeros), axis=-1) if zeros.size else np.ones(z.shape)
    den = np.prod(np.abs(z[..., None] - poles), axis=-1) if poles.size else np.ones(z.shape)
    return num / den


def _is_real_tf(h: ZPK) -> bool:
    """True when zeros and poles are closed under conjugation (real coefficients)."""
    for r in (h.zeros, h.poles):
        if r.size:
            # Every root needs a conjugate partner (itself when real).
            dist = np.abs(r[:, None] - np.conj(r)[None, :])
            if np.max(np.min(dist, axis=1)) > 1e-8 * max(1.0, float(np.max(np.abs(r)))):
                return False
    return True


# --------------------------------------------------------------------------------------
# ds_optzeros
# --------------------------------------------------------------------------------------


def _positive_optzeros(n: int, opt: int) -> np.ndarray:
    """Non-negative optimal normalized zeros (0 listed once), ascending."""
    if opt == 0:
        return np.zeros((n + 1) // 2)
    if opt == 2 and n % 2 == 0:
        # Double zero at band centre; the other n-2 zeros are orthogonal for weight x^4,
        # i.e. u = x^2 are the roots of the Jacobi polynomial P_m^(0, 3/2) mapped to [0, 1].
        m = (n - 2) // 2
        if m == 0:
            return np.zeros(1)
        t, _ = special.roots_jacobi(m, 0.0, 1.5)
        return np.concatenate([[0.0], np.sqrt((t + 1.0) / 2.0)])
    # Gauss-Legendre nodes: roots of P_n, symmetric about 0 (0 included for odd n).
    nodes, _ = legendre.leggauss(n)
    pos = np.sort(np.abs(nodes[nodes >= -1e-15]))
    pos[pos < 1e-14] = 0.0
    return pos


def ds_optzeros(n: int, opt: int = 1) -> np.ndarray:
    """Optimal NTF zero locations, normalized to the band edge.

    The zeros minimize the in-band integral of the squared zero factor,
    ``int_{-1}^{1} prod(x - x_i)^2 dx`` with ``x`` the frequency offset from band centre
    normalized to the band edge, for an ``n``-th order NTF.

    Parameters
    ----------
    n : int
        Number of zeros (the NTF order for a low-pass design), ``n >= 1``.
    opt : int, optional
        0: all zeros at band centre; 1 (default): optimal (roots of the Legendre
        polynomial ``P_n``); 2: optimal with at least one zero at band centre (for odd
        ``n`` the same as 1; for even ``n`` a double zero at 0 and the rest optimal).

    Returns
    -------
    ndarray of float, shape (n,)
        Normalized zero frequencies ``x`` in ``[-1, 1]`` (multiply by ``pi / OSR`` to get
        low-pass zero angles in rad/sample). Toolbox ordering: for odd ``n`` the zero
        at 0 first, then ``+x, -x`` pairs in increasing ``x``.

    Notes
    -----
    The toolbox tabulates these values for ``n <= 14`` (to 7-10 digits); here they are
    computed in closed form (Gauss-Legendre and Gauss-Jacobi nodes) for any ``n``.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    sec. 4.4.1, Table 4.1.
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"ds_optzeros: n must be >= 1, got {n}")
    if opt not in (0, 1, 2):
        raise ValueError(f"ds_optzeros: opt must be 0, 1 or 2, got {opt!r}")
    pos = _positive_optzeros(n, int(opt))
    out = np.zeros(n)
    i = 0
    if n % 2 == 1:
        out[0] = pos[0]
        pos = pos[1:]
        i = 1
    for x in pos:
        out[i] = x
        out[i + 1] = -x
        i += 2
    return out


# --------------------------------------------------------------------------------------
# synthesizeNTF
# --------------------------------------------------------------------------------------


def _butterworth_poles(n: int, f0: float, log_r: float) -> np.ndarray:
    """Maximally flat NTF poles for the Butterworth parameter ``r = x^(2/n) = exp(log_r)``."""
    w = (2.0 * np.arange(1, n + 1) - 1.0) * np.pi / n
    m = np.cos(2.0 * np.pi * f0) - 0.5 * np.exp(log_r) * np.exp(1j * w)
    # Roots of p^2 - 2 m p + 1 = 0 are p and 1/p; keep the one inside the unit circle.
    # (m-1)(m+1) rather than m^2-1 keeps precision when the poles approach z = 1.
    p = m - np.sqrt((m - 1.0) * (m + 1.0))
    out = np.abs(p) > 1.0
    p[out] = 1.0 / p[out]
    return _cplxpair(p, tol=1e-9)


def _peak_at_ends(zeros: np.ndarray, poles: np.ndarray, f0: float) -> float:
    """Out-of-band peak of a maximally flat NTF with in-band zeros: ``|NTF(-1)|`` for a
    low-pass design, ``max |NTF(+-1)|`` for a band-pass one (``|NTF|`` grows
    monotonically with the distance from the band)."""
    ends = np.array([-1.0]) if f0 == 0.0 else np.array([1.0, -1.0])
    return float(np.max(_abs_tf(zeros, poles, ends)))


def _peak_exact(zeros: np.ndarray, poles: np.ndarray, f0: float) -> float:
    del f0
    return infnorm(ZPK(zeros, poles, 1.0))[0]


def _walk_down(g: Any, start: float, step: float, floor: float) -> float | None:
    """Largest ``log_r <= start`` with ``g(log_r) = 0``, given ``g(start) > 0``.

    Steps down to the first sign change, then Brent. The first root below the FIR side is
    the intended one: for tiny ``r`` the poles sit at z = 1 and no longer cancel zeros
    spread over the band, so the response blows up again in band.
    """
    hi = start
    lo = hi - step
    while g(lo) > 0.0:
        hi, lo = lo, lo - step
        if lo < floor:
            return None
    return optimize.brentq(g, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=200)


def _solve_poles(zeros: np.ndarray, n: int, H_inf: float, f0: float) -> np.ndarray:
    """Maximally flat poles giving a peak out-of-band gain of exactly ``H_inf``.

    The toolbox matches ``|NTF|`` at the far end of the spectrum (``z = -1``, or ``z = 1``
    when ``f0 > 1/4``), which is the peak for zeros placed symmetrically in the band.
    Here the larger of ``|NTF(+-1)|`` is matched (the same thing in those cases); if the
    true peak on the unit circle is still higher (asymmetric or explicit zeros, or a low
    OSR where the poles come close to the spread zeros) the exact :func:`infnorm` is
    matched instead, at the largest such root below the far-end solution (any root must
    lie there, since the far-end gain alone exceeds ``H_inf`` above it). When no Butterworth
    parameter gives the target, the far-end solution is returned with a warning.
    """
    no_poles = np.zeros(0)
    limit = _peak_exact(zeros, no_poles, f0)
    if H_inf >= limit:
        warnings.warn(
            f"synthesizeNTF: H_inf={H_inf:g} cannot be achieved (the FIR NTF with all "
            f"poles at z=0 has {limit:.6g}); setting all NTF poles to zero.",
            RuntimeWarning,
            stacklevel=3,
        )
        return np.zeros(n, dtype=complex)

    def g_ends(log_r: float) -> float:
        return _peak_at_ends(zeros, _butterworth_poles(n, f0, log_r), f0) - H_inf

    def g_exact(log_r: float) -> float:
        return _peak_exact(zeros, _butterworth_poles(n, f0, log_r), f0) - H_inf

    # r -> inf puts the poles at the origin (the FIR limit, above H_inf).
    top = 10.0
    while g_exact(top) < 0.0:
        top += 10.0
    fallback = None
    start = top
    if H_inf < _peak_at_ends(zeros, no_poles, f0):
        log_r = _walk_down(g_ends, top, 1.0, -400.0)
        if log_r is not None:
            fallback = _butterworth_poles(n, f0, log_r)
            if _peak_exact(zeros, fallback, f0) <= H_inf * (1.0 + 1e-11):
                return fallback
            start = log_r
    log_r = _walk_down(g_exact, start, 0.25, start - 15.0)
    if log_r is not None:
        return _butterworth_poles(n, f0, log_r)
    if fallback is None:  # pragma: no cover - the far-end solve always succeeds first
        fallback = np.zeros(n, dtype=complex)
    warnings.warn(
        f"synthesizeNTF: no maximally flat NTF with these zeros has a peak gain of "
        f"H_inf={H_inf:g} (order too high for the OSR?); |NTF| is {H_inf:g} at the far end "
        f"of the spectrum but peaks at {_peak_exact(zeros, fallback, f0):.6g}.",
        RuntimeWarning,
        stacklevel=3,
    )
    return fallback


def _assemble_zeros(x: np.ndarray, fixed: int, n: int, osr: float, f0: float) -> np.ndarray:
    """NTF zeros from normalized upper-half offsets ``x`` plus ``fixed`` band-centre zeros.

    Low-pass: ``fixed`` zeros at z = 1 first, then ``exp(+-j pi x / osr)`` pairs.
    Band-pass: ``fixed`` band-centre pairs first, then ``exp(+-j 2 pi (f0 + x / (2 osr)))``.
    """
    up = np.exp(2j * np.pi * (f0 + 0.5 * np.asarray(x, dtype=float) / osr))
    if f0 != 0.0:
        up = np.concatenate([np.full(fixed, np.exp(2j * np.pi * f0)), up])
    pairs = np.empty(2 * up.size, dtype=complex)
    pairs[0::2] = up
    pairs[1::2] = np.conj(up)
    if f0 == 0.0:
        pairs = np.concatenate([np.ones(fixed, dtype=complex), pairs])
    if pairs.size != n:  # pragma: no cover - internal consistency
        raise RuntimeError("synthesizeNTF: zero count mismatch")
    return pairs


def _optimize_zeros(
    x0: np.ndarray, fixed: int, n: int, osr: float, f0: float, poles: np.ndarray
) -> np.ndarray:
    """Zero offsets minimizing the in-band rms gain (dB) for fixed poles (opt 3/4)."""
    f1, f2 = _ds_f1f2(osr, f0)
    zf = np.exp(2j * np.pi * np.linspace(f1, f2, 100))
    bound = (0.0, 1.0) if f0 == 0.0 else (-0.5, 0.5)

    def cost(x: np.ndarray) -> float:
        zeros = _assemble_zeros(x, fixed, n, osr, f0)
        ms = np.mean(_abs_tf(zeros, poles, zf) ** 2)
        return 10.0 * math.log10(ms)

    res = optimize.minimize(
        cost,
        x0,
        method="L-BFGS-B",
        bounds=[bound] * x0.size,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500},
    )
    return np.clip(res.x, *bound)


def synthesizeNTF(
    order: int = 3,
    osr: float = 64,
    opt: int | Any = 0,
    H_inf: float = 1.5,
    f0: float = 0.0,
) -> ZPK:
    """Synthesize a noise transfer function for a delta-sigma modulator.

    Zeros are placed at band centre or optimally spread over the band; poles follow
    Schreier's maximally flat placement, scaled so that the peak out-of-band gain is
    exactly ``H_inf`` (Lee's rule: ``H_inf ~ 1.5`` for a single-bit quantizer).

    Parameters
    ----------
    order : int, optional
        Order of the NTF (number of zeros and poles), default 3. Must be even for a
        band-pass design.
    osr : float, optional
        Oversampling ratio ``fs / (2 f_B)``, default 64.
    opt : int or array_like of complex, optional
        Zero placement, default 0:

        * 0: all zeros at band centre (z = 1, or ``exp(+-j 2 pi f0)``);
        * 1: optimized zeros (:func:`ds_optzeros` ``opt=1``);
        * 2: optimized with at least one zero at band centre (``ds_optzeros`` ``opt=2``);
        * 3: as 1, then refined numerically together with the poles to minimize the
          in-band rms gain of the whole NTF;
        * 4: as 3, starting from 2 and keeping the band-centre zeros fixed;
        * array of ``order`` complex values: the zero locations themselves.
    H_inf : float, optional
        Maximum out-of-band NTF gain ``max |NTF(e^{j 2 pi f})|``, default 1.5; must be > 1.
    f0 : float, optional
        Band centre normalized to fs, default 0 (low-pass). ``0 <= f0 <= 0.5``; values
        below ``0.25 / osr`` give a low-pass design (with a warning), as in the toolbox.

    Returns
    -------
    ZPK
        ``zeros`` (order,), ``poles`` (order,) complex; ``k = 1``. Zeros are in the
        toolbox's order (low-pass: real zero at z = 1 first, then conjugate pairs by
        increasing frequency; band-pass: pairs by increasing frequency), poles are
        ordered like MATLAB's ``cplxpair`` (pairs by increasing real part, negative
        imaginary part first, real poles last).

    Raises
    ------
    ValueError
        ``order < 1``, ``osr <= 0``, ``H_inf <= 1``, ``f0`` outside ``[0, 0.5]``, an odd
        order for a band-pass design, an unknown ``opt`` or an ``opt`` vector whose
        length is not ``order``.

    Warns
    -----
    RuntimeWarning
        When ``H_inf`` is beyond what a finite-impulse-response NTF with these zeros
        gives; all poles are then placed at the origin (toolbox behaviour).

    Notes
    -----
    For ``opt`` 3 and 4 the toolbox calls MATLAB's ``fmincon`` with loose tolerances;
    here the same objective (in-band rms gain in dB with the poles held fixed,
    alternating with the pole solve) is minimized with L-BFGS-B to tight tolerances, and
    the last step is always a pole solve, so ``H_inf`` holds exactly.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    sec. 4.4 and appendix A (``synthesizeNTF``).
    """
    order = int(order)
    if order < 1:
        raise ValueError(f"synthesizeNTF: order must be >= 1, got {order}")
    osr = float(osr)
    if not osr > 0:
        raise ValueError(f"synthesizeNTF: osr must be > 0, got {osr}")
    H_inf = float(H_inf)
    if not H_inf > 1.0:
        raise ValueError(f"synthesizeNTF: H_inf must be > 1 (NTF(inf) = 1), got {H_inf}")
    f0 = float(f0)
    if not 0.0 <= f0 <= 0.5:
        raise ValueError(f"synthesizeNTF: f0 must be in [0, 0.5], got {f0}")
    if 0.0 < f0 < 0.25 / osr:
        warnings.warn(
            "synthesizeNTF: f0 is inside the signal band of a low-pass design; "
            "creating a low-pass NTF.",
            RuntimeWarning,
            stacklevel=2,
        )
        f0 = 0.0
    if f0 != 0.0 and order % 2 != 0:
        raise ValueError(f"synthesizeNTF: order must be even for a band-pass NTF, got {order}")

    opt_arr = np.atleast_1d(np.asarray(opt))
    if opt_arr.size > 1 or np.iscomplexobj(opt_arr):
        # Explicit zeros.
        zeros = opt_arr.astype(complex).ravel()
        if zeros.size != order:
            raise ValueError(
                f"synthesizeNTF: the opt vector of zeros must have length {order} (=order), "
                f"got {zeros.size}"
            )
        return ZPK(zeros, _solve_poles(zeros, order, H_inf, f0), 1.0)

    opt_i = int(opt_arr[0])
    if opt_i != opt_arr[0] or opt_i not in (0, 1, 2, 3, 4):
        raise ValueError(f"synthesizeNTF: opt must be 0-4 or a vector of zeros, got {opt!r}")

    # Normalized offsets of the prototype zeros (opt 3/4 start from the opt 1/2 zeros).
    if f0 == 0.0:
        proto = ds_optzeros(order, 0 if opt_i == 0 else 1 + (opt_i - 1) % 2)
        # x in units of the band edge 0.5/osr.
        x_all = np.sort(proto[proto > 0])
        fixed = order - 2 * x_all.size
    else:
        proto = ds_optzeros(order // 2, 0 if opt_i == 0 else 1 + (opt_i - 1) % 2)
        # Band-pass prototype spans half the band on each side: x in units of 0.5/osr.
        x_all = np.sort(proto) * 0.5
        fixed = 0
        if opt_i == 4:
            centre = np.abs(x_all) < 1e-12
            fixed = int(centre.sum())
            x_all = x_all[~centre]

    zeros = _assemble_zeros(x_all, fixed, order, osr, f0)
    poles = _solve_poles(zeros, order, H_inf, f0)
    if opt_i >= 3 and x_all.size:
        x = x_all
        for _ in range(5):
            x_new = _optimize_zeros(x, fixed, order, osr, f0, poles)
            zeros = _assemble_zeros(x_new, fixed, order, osr, f0)
            poles = _solve_poles(zeros, order, H_inf, f0)
            if np.max(np.abs(x_new - x)) < 1e-7:
                break
            x = x_new
    return ZPK(zeros, poles, 1.0)


# --------------------------------------------------------------------------------------
# infnorm, rmsGain
# --------------------------------------------------------------------------------------


def infnorm(H: Any) -> tuple[float, float]:
    """Infinity norm of a z-domain transfer function on the unit circle.

    Parameters
    ----------
    H : transfer function
        Anything :func:`~ctdsm.toolbox._common.as_zpk` accepts.

    Returns
    -------
    Hinf : float
        ``max |H(exp(j 2 pi f))|``.
    fmax : float
        Normalized frequency (cycles/sample) of the maximum: in ``[0, 0.5]`` for a
        real transfer function, in ``[-0.5, 0.5]`` for a complex one.

    Notes
    -----
    A 2049-point grid, completed with the pole angles (where narrow peaks sit), locates
    the candidates; the best few local maxima are refined with a bounded scalar search
    to ``1e-12`` in frequency.
    """
    h = as_zpk(H)
    zeros, poles, k = h.zeros, h.poles, abs(h.k)
    lo = 0.0 if _is_real_tf(h) else -0.5
    hi = 0.5
    grid = np.linspace(lo, hi, 2049)
    if poles.size:
        fp = np.angle(poles) / (2 * np.pi)
        grid = np.union1d(grid, fp[(fp >= lo) & (fp <= hi)])

    def mag(f: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return k * _abs_tf(zeros, poles, np.exp(2j * np.pi * np.asarray(f)))

    vals = mag(grid)
    if not np.all(np.isfinite(vals)):
        i = int(np.argmax(~np.isfinite(vals)))
        return float("inf"), float(grid[i])
    # Local maxima of the sampled magnitude (ends count), best first.
    padded = np.concatenate([[-np.inf], vals, [-np.inf]])
    is_peak = (padded[1:-1] >= padded[:-2]) & (padded[1:-1] >= padded[2:])
    peaks = np.flatnonzero(is_peak)
    peaks = peaks[np.argsort(vals[peaks])[::-1]][:4]
    best_v, best_f = float(vals[peaks[0]]), float(grid[peaks[0]])
    for i in peaks:
        a = grid[max(i - 1, 0)]
        b = grid[min(i + 1, grid.size - 1)]
        if b <= a:
            continue
        res = optimize.minimize_scalar(
            lambda f: -float(mag(f)),
            bounds=(a, b),
            method="bounded",
            options={"xatol": 1e-12},
        )
        # Accept only a real improvement: on a flat (maximally flat) peak the search
        # would otherwise wander off the exact grid maximum on rounding noise.
        if -res.fun > best_v * (1.0 + 1e-13):
            best_v, best_f = float(-res.fun), float(res.x)
    return best_v, best_f


def rmsGain(H: Any, f1: float, f2: float, N: int = 100) -> float:
    """Root-mean-square gain of a z-domain transfer function over a band.

    Parameters
    ----------
    H : transfer function
        Anything :func:`~ctdsm.toolbox._common.as_zpk` accepts.
    f1, f2 : float
        Band edges, normalized frequency (cycles/sample, 1 = fs).
    N : int, optional
        Number of equally spaced frequencies, ends included (default 100).

    Returns
    -------
    float
        ``sqrt(mean |H(exp(j 2 pi f))|^2)`` over ``f = linspace(f1, f2, N)``.
    """
    h = as_zpk(H)
    f = np.linspace(float(f1), float(f2), int(N))
    g = abs(h.k) * _abs_tf(h.zeros, h.poles, np.exp(2j * np.pi * f))
    return float(np.sqrt(np.mean(g**2)))


# --------------------------------------------------------------------------------------
# synthesizeChebyshevNTF
# --------------------------------------------------------------------------------------


def synthesizeChebyshevNTF(
    order: int = 3,
    OSR: float = 64,
    opt: int = 0,
    H_inf: float = 1.5,
    f0: float = 0.0,
) -> ZPK:
    """Synthesize an NTF from a type-2 (inverse) Chebyshev high-pass/band-stop filter.

    The zeros are equiripple over the signal band and the out-of-band response is
    maximally flat; the stop-band attenuation is tuned so that the peak out-of-band gain
    of the monic NTF is ``H_inf``. Compared with :func:`synthesizeNTF` this fares
    better at low OSR or low ``H_inf``, where the assumption of a flat denominator
    across the band breaks down.

    Parameters
    ----------
    order : int, optional
        NTF order, default 3 (even for band-pass).
    OSR : float, optional
        Oversampling ratio, default 64.
    opt : int, optional
        Ignored; kept for signature compatibility with :func:`synthesizeNTF`.
    H_inf : float, optional
        Maximum out-of-band gain, default 1.5; must be > 1.
    f0 : float, optional
        Band centre normalized to fs, default 0 (low-pass).

    Returns
    -------
    ZPK
        Zeros and poles (order,) complex, conjugate pairs adjacent (``cplxpair`` order),
        ``k = 1``.

    Raises
    ------
    ValueError
        Odd order with ``f0 != 0``, ``H_inf <= 1``, ``f0`` outside ``[0, 0.5]``.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    appendix A (``synthesizeChebyshevNTF``).
    """
    del opt  # unused, as in the toolbox
    order = int(order)
    OSR = float(OSR)
    H_inf = float(H_inf)
    f0 = float(f0)
    if order < 1:
        raise ValueError(f"synthesizeChebyshevNTF: order must be >= 1, got {order}")
    if not H_inf > 1.0:
        raise ValueError(f"synthesizeChebyshevNTF: H_inf must be > 1, got {H_inf}")
    if not 0.0 <= f0 <= 0.5:
        raise ValueError(f"synthesizeChebyshevNTF: f0 must be in [0, 0.5], got {f0}")
    if not OSR > 0:
        raise ValueError(f"synthesizeChebyshevNTF: OSR must be > 0, got {OSR}")
    if 0.0 < f0 < 0.25 / OSR:
        warnings.warn(
            "synthesizeChebyshevNTF: f0 is inside the signal band of a low-pass design; "
            "creating a low-pass NTF.",
            RuntimeWarning,
            stacklevel=2,
        )
        f0 = 0.0
    if f0 != 0.0 and order % 2 != 0:
        raise ValueError(
            f"synthesizeChebyshevNTF: order must be even for a band-pass NTF, got {order}"
        )
    if f0 != 0.0 and f0 + 0.25 / OSR >= 0.5:
        raise ValueError(
            f"synthesizeChebyshevNTF: the band f0 +- 0.25/OSR must lie below 0.5, got f0={f0}"
        )

    def design(rs: float) -> tuple[np.ndarray, np.ndarray, float]:
        if f0 == 0.0:
            return signal.cheby2(order, rs, 1.0 / OSR, btype="highpass", output="zpk")
        f1, f2 = _ds_f1f2(OSR, f0)
        return signal.cheby2(order // 2, rs, [2 * f1, 2 * f2], btype="bandstop", output="zpk")

    # The monic NTF is H_cheby / k; its pass-band (out-of-band) gain is 1/|k|, which
    # rises monotonically with the stop-band attenuation rs (dB).
    def g(rs: float) -> float:
        return 1.0 / abs(design(rs)[2]) - H_inf

    lo, hi = 1e-3, 60.0
    while g(hi) < 0.0 and hi < 1000.0:
        hi *= 2.0
    if g(lo) > 0.0 or g(hi) < 0.0:
        raise ValueError(f"synthesizeChebyshevNTF: cannot reach H_inf={H_inf:g}")
    rs = optimize.brentq(g, lo, hi, xtol=1e-12, rtol=1e-14, maxiter=200)
    z, p, _ = design(rs)
    return ZPK(_cplxpair(z, 1e-7), _cplxpair(p, 1e-7), 1.0)


# --------------------------------------------------------------------------------------
# clans
# --------------------------------------------------------------------------------------


def _clans_poles(x: np.ndarray, order: int, rmax: float) -> np.ndarray:
    """Poles from CLANS parameters: s-plane roots in the left half plane, mapped into the
    disc ``|z| < rmax`` by ``z = rmax (1 + s) / (1 - s)``."""
    s_list: list[complex] = []
    odd = order % 2
    if odd:
        s_list.append(-(x[0] ** 2))
    for i in range(odd, order, 2):
        zeta, wn = x[i] ** 2, x[i + 1] ** 2
        # Roots of s^2 + 2 zeta wn s + wn^2; zeta > 0 keeps them in the LHP.
        d = np.sqrt(complex(zeta * zeta - 1.0))
        s_list.extend([wn * (-zeta + d), wn * (-zeta - d)])
    s = np.asarray(s_list, dtype=complex)
    return rmax * (1.0 + s) / (1.0 - s)


def _clans_params(poles: np.ndarray, order: int, rmax: float) -> np.ndarray:
    """Inverse of :func:`_clans_poles` for an initial guess (poles pulled inside rmax)."""
    p = np.asarray(poles, dtype=complex) / rmax
    r = np.abs(p)
    p = np.where(r > 0.98, p / np.maximum(r, 1e-300) * 0.98, p)
    reals = np.sort(p[np.abs(p.imag) < 1e-9].real)
    upper = p[p.imag >= 1e-9]
    x = np.zeros(order)
    odd = order % 2
    i = 0
    if odd:
        s = (reals[-1] - 1.0) / (reals[-1] + 1.0)
        x[0] = math.sqrt(max(-s, 1e-12))
        reals = reals[:-1]
        i = 1
    # Remaining real poles are paired up (a pair of real s-roots has zeta >= 1).
    quads = [
        np.poly([(a - 1.0) / (a + 1.0), (b - 1.0) / (b + 1.0)])
        for a, b in zip(reals[0::2], reals[1::2], strict=True)
    ]
    quads += [
        np.poly([(u - 1.0) / (u + 1.0), (np.conj(u) - 1.0) / (np.conj(u) + 1.0)]) for u in upper
    ]
    for c in quads:
        c = np.real(c)
        wn = math.sqrt(max(c[2], 1e-12))
        zeta = max(c[1] / (2.0 * wn), 1e-6)
        x[i], x[i + 1] = math.sqrt(zeta), math.sqrt(wn)
        i += 2
    return x


def clans(
    order: int = 4,
    OSR: float = 64,
    Q: float = 5,
    rmax: float = 0.95,
    opt: int = 0,
) -> ZPK:
    """Optimal NTF for a multi-bit modulator by closed-loop analysis of noise shapers.

    CLANS (Kenney & Carley) minimizes the in-band noise power of the NTF subject to the
    multi-bit stability criterion ``sum |h(n)| - 1 <= Q`` on the NTF impulse response
    ``h``, with every pole inside ``|z| < rmax``. Since the quantizer input is
    ``y = u + (h - delta) * e`` with ``|e| <= 1`` while the quantizer is not overloaded,
    ``|y| <= |u| + Q``: an ``nlev``-level quantizer (toolbox levels ``+-1, +-3, ...``) never
    overloads for inputs ``|u| <= nlev - Q``.

    Parameters
    ----------
    order : int, optional
        NTF order, default 4.
    OSR : float, optional
        Oversampling ratio, default 64.
    Q : float, optional
        Bound on ``||h||_1 - 1``, default 5 (the quantizer-input excursion beyond the
        input signal, in units of half a quantizer step).
    rmax : float, optional
        Maximum pole radius, default 0.95.
    opt : int, optional
        Zero placement as in :func:`synthesizeNTF` (0-4), default 0. The zeros are those
        of ``synthesizeNTF(order, OSR, opt, 1 + Q)``, whose poles are also the starting
        point of the optimization.

    Returns
    -------
    ZPK
        ``zeros``, ``poles`` (order,) complex, ``k = 1``. Poles: the real pole first for
        odd orders, then conjugate pairs (toolbox order).

    Notes
    -----
    The poles are parametrized as left-half-plane s-domain roots mapped by
    ``z = rmax (1 + s) / (1 - s)``, so the radius bound holds by construction; the
    in-band mean-square gain (100 frequencies over ``[0, 0.5/OSR]``, in dB) is minimized
    with SLSQP under the 1-norm constraint. The impulse response is summed until its
    tail is negligible (the toolbox truncates it at 100 samples).

    References
    ----------
    J. G. Kenney and L. R. Carley, "Design of multibit noise-shaping data converters",
    *Analog Integrated Circuits and Signal Processing*, vol. 3, pp. 259-272, 1993.
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    sec. 4.4.3 and appendix A (``clans``).
    """
    order = int(order)
    if order < 1:
        raise ValueError(f"clans: order must be >= 1, got {order}")
    if not 0.0 < rmax < 1.0:
        raise ValueError(f"clans: rmax must be in (0, 1), got {rmax}")
    if not Q > 0:
        raise ValueError(f"clans: Q must be > 0, got {Q}")
    with warnings.catch_warnings():
        # The starting NTF may not reach 1 + Q; that is fine for an initial guess.
        warnings.simplefilter("ignore", RuntimeWarning)
        init = synthesizeNTF(order, OSR, opt, 1.0 + Q, 0.0)
    zeros = init.zeros
    num = np.real(np.poly(zeros))
    zf = np.exp(1j * np.linspace(0.0, np.pi / OSR, 100))
    n_imp = int(min(20000, max(200, math.ceil(30.0 * order / (1.0 - rmax)))))
    impulse = np.zeros(n_imp)
    impulse[0] = 1.0

    def cost(x: np.ndarray) -> float:
        p = _clans_poles(x, order, rmax)
        return 10.0 * math.log10(np.mean(_abs_tf(zeros, p, zf) ** 2))

    def l1_margin(x: np.ndarray) -> float:
        den = np.real(np.poly(_clans_poles(x, order, rmax)))
        h = signal.lfilter(num, den, impulse)
        return float(Q - (np.sum(np.abs(h)) - 1.0))

    x0 = _clans_params(init.poles, order, rmax)
    res = optimize.minimize(
        cost,
        x0,
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": l1_margin}],
        options={"ftol": 1e-8, "maxiter": 500},
    )
    x = res.x
    if l1_margin(x) < -1e-6:
        warnings.warn(
            f"clans: optimizer did not meet ||h||_1 - 1 <= Q ({res.message})",
            RuntimeWarning,
            stacklevel=2,
        )
    poles = _clans_poles(x, order, rmax)
    odd = order % 2
    if odd:
        poles[0] = poles[0].real
    for i in range(odd, order, 2):
        if abs(poles[i].imag) > 1e-12:
            m = 0.5 * (poles[i] + np.conj(poles[i + 1]))
            if m.imag < 0:
                m = np.conj(m)
            poles[i], poles[i + 1] = m, np.conj(m)
        else:
            poles[i], poles[i + 1] = poles[i].real, poles[i + 1].real
    return ZPK(zeros, poles, 1.0)
