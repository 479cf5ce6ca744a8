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

import warnings
from typing import Any

import numpy as np
from numpy.polynomial import legendre
from scipy import optimize, signal, special

from . import _checks as chk
from ._clans import (
    clans_feasible,
    clans_minimize,
    clans_objectives,
    clans_params,
    clans_poles,
    clans_retry,
    pair_poles,
)
from ._common import ZPK, as_zpk
from ._ntf_common import abs_tf, band_edges, cplxpair, unit_circle_peak
from ._ntf_synth import assemble_zeros, refine_zeros, solve_poles

__all__ = [
    "synthesizeNTF",
    "ds_optzeros",
    "clans",
    "synthesizeChebyshevNTF",
    "infnorm",
    "rmsGain",
]


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
    n = chk.integer("ds_optzeros", "n", n, 1)
    opt = chk.integer("ds_optzeros", "opt", opt, 0)
    if opt not in (0, 1, 2):
        raise ValueError(f"ds_optzeros: opt must be 0, 1 or 2; got {opt!r}")
    pos = _positive_optzeros(n, opt)
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


def _check_synthesis_args(
    order: int, osr: float, H_inf: float, f0: float
) -> tuple[int, float, float, float]:
    """Validate and convert the scalar arguments of :func:`synthesizeNTF`.

    A band centre inside the band of a low-pass design (``0 < f0 < 0.25 / osr``) gives a
    low-pass design, with a warning as in the toolbox.
    """
    order = chk.integer("synthesizeNTF", "order", order, 1)
    osr = chk.positive("synthesizeNTF", "osr", osr)
    H_inf = chk.real_scalar("synthesizeNTF", "H_inf", H_inf)
    if not H_inf > 1.0:
        raise ValueError(f"synthesizeNTF: H_inf must be > 1 (NTF(inf) = 1), got {H_inf}")
    f0 = chk.in_range("synthesizeNTF", "f0", f0, 0.0, 0.5)
    if 0.0 < f0 < 0.25 / osr:
        warnings.warn(
            "synthesizeNTF: f0 is inside the signal band of a low-pass design; "
            "creating a low-pass NTF.",
            RuntimeWarning,
            stacklevel=3,
        )
        f0 = 0.0
    if f0 != 0.0 and order % 2 != 0:
        raise ValueError(f"synthesizeNTF: order must be even for a band-pass NTF, got {order}")
    return order, osr, H_inf, f0


def _prototype_offsets(order: int, opt: int, f0: float) -> tuple[np.ndarray, int]:
    """Normalized offsets of the free upper-half zeros, and the number of fixed zeros.

    Parameters
    ----------
    order : int
        NTF order.
    opt : {0, 1, 2, 3, 4}
        Zero placement of :func:`synthesizeNTF`; 3 and 4 start from the zeros of 1 and 2.
    f0 : float
        Band centre (0: low-pass).

    Returns
    -------
    x : ndarray
        Offsets in units of the band edge ``0.5 / osr``, ascending: low-pass, the positive
        :func:`ds_optzeros`; band-pass, all of them (a prototype of half the order spans
        half the band on each side), the band-centre ones excluded for opt 4.
    fixed : int
        Zeros held at band centre: at z = 1 (low-pass) or pairs at ``f0`` (opt 4).
    """
    proto_opt = 0 if opt == 0 else 1 + (opt - 1) % 2
    if f0 == 0.0:
        proto = ds_optzeros(order, proto_opt)
        x = np.sort(proto[proto > 0])
        return x, order - 2 * x.size
    x = np.sort(ds_optzeros(order // 2, proto_opt)) * 0.5
    fixed = 0
    if opt == 4:
        centre = np.abs(x) < 1e-12
        fixed = int(centre.sum())
        x = x[~centre]
    return x, fixed


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
        ``order`` not an integer ``>= 1`` (booleans and non-integral values included),
        ``osr <= 0``, ``H_inf <= 1``, ``f0`` outside ``[0, 0.5]``, NaN or infinite
        ``osr``, ``H_inf`` or ``f0``, an odd order for a band-pass design, an unknown or
        boolean ``opt``, an ``opt`` vector whose length is not ``order`` or that has
        non-finite entries. The message names the argument.

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
    order, osr, H_inf, f0 = _check_synthesis_args(order, osr, H_inf, f0)
    opt_arr = np.atleast_1d(np.asarray(opt))
    if opt_arr.dtype.kind == "b":
        raise ValueError(f"synthesizeNTF: opt must be 0-4 or a vector of zeros, not {opt!r}")
    if opt_arr.size > 1 or np.iscomplexobj(opt_arr):
        zeros = chk.finite_array("synthesizeNTF", "opt", opt_arr.astype(complex).ravel())
        if zeros.size != order:
            raise ValueError(
                f"synthesizeNTF: the opt vector of zeros must have length {order} (=order), "
                f"got {zeros.size}"
            )
        return ZPK(zeros, solve_poles(zeros, order, H_inf, f0), 1.0)
    opt_i = int(opt_arr[0])
    if opt_i != opt_arr[0] or opt_i not in (0, 1, 2, 3, 4):
        raise ValueError(f"synthesizeNTF: opt must be 0-4 or a vector of zeros, got {opt!r}")

    x, fixed = _prototype_offsets(order, opt_i, f0)
    zeros = assemble_zeros(x, fixed, order, osr, f0)
    poles = solve_poles(zeros, order, H_inf, f0)
    if opt_i >= 3 and x.size:
        zeros, poles = refine_zeros(x, fixed, order, osr, H_inf, f0, poles)
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

    Raises
    ------
    ValueError
        If a zero, pole or the gain of ``H`` is NaN or infinite.
    """
    return unit_circle_peak(chk.finite_zpk("infnorm", "H", as_zpk(H)))


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

    Raises
    ------
    ValueError
        If ``H`` has a non-finite root or gain, ``f1`` or ``f2`` is not finite, ``f2 <= f1``,
        or ``N`` is not an integer ``>= 1``.
    """
    h = chk.transfer_function("rmsGain", "H", H)
    f1, f2 = chk.ordered_pair("rmsGain", "f1", "f2", f1, f2)
    N = chk.integer("rmsGain", "N", N, 1)
    f = np.linspace(f1, f2, N)
    g = abs(h.k) * abs_tf(h.zeros, h.poles, np.exp(2j * np.pi * f))
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
        ``order`` not an integer ``>= 1`` (booleans refused), ``OSR`` not finite and
        ``> 0``, odd order with ``f0 != 0``, ``H_inf`` not finite or ``<= 1``, ``f0``
        outside ``[0, 0.5]``.

    References
    ----------
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    appendix A (``synthesizeChebyshevNTF``).
    """
    del opt  # unused, as in the toolbox
    order = chk.integer("synthesizeChebyshevNTF", "order", order, 1)
    OSR = chk.positive("synthesizeChebyshevNTF", "OSR", OSR)
    H_inf = chk.real_scalar("synthesizeChebyshevNTF", "H_inf", H_inf)
    if not H_inf > 1.0:
        raise ValueError(f"synthesizeChebyshevNTF: H_inf must be > 1, got {H_inf}")
    f0 = chk.in_range("synthesizeChebyshevNTF", "f0", f0, 0.0, 0.5)
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
        f1, f2 = band_edges(OSR, f0)
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
    return ZPK(cplxpair(z, 1e-7), cplxpair(p, 1e-7), 1.0)


# --------------------------------------------------------------------------------------
# clans
# --------------------------------------------------------------------------------------


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

    Raises
    ------
    ValueError
        If ``order`` is not an integer ``>= 1``, ``OSR`` or ``Q`` is not finite and
        ``> 0``, ``rmax`` is not in (0, 1), ``opt`` is not 0-4, or no NTF meeting
        ``||h||_1 - 1 <= Q`` with poles inside ``rmax`` was found (``Q`` too small for
        ``rmax``).

    Notes
    -----
    The poles are parametrized as left-half-plane s-domain roots mapped by
    ``z = rmax (1 + s) / (1 - s)``, so the radius bound holds by construction; the
    in-band mean-square gain (100 frequencies over ``[0, 0.5/OSR]``, in dB) is minimized
    with SLSQP under the 1-norm constraint. The impulse response is summed until its
    tail is negligible (the toolbox truncates it at 100 samples).

    The result always meets both constraints (``||h||_1 - 1 <= Q`` to within 1e-6). When
    the SLSQP run ends infeasible, it is retried with bounded parameters from the same
    start, from starts with a lower ``H_inf`` and, failing those, from a point found by
    minimizing the 1-norm alone; the feasible result with the least in-band noise is
    returned.

    References
    ----------
    J. G. Kenney and L. R. Carley, "Design of multibit noise-shaping data converters",
    *Analog Integrated Circuits and Signal Processing*, vol. 3, pp. 259-272, 1993.
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2005,
    sec. 4.4.3 and appendix A (``clans``).
    """
    order = chk.integer("clans", "order", order, 1)
    OSR = chk.positive("clans", "OSR", OSR)
    Q = chk.positive("clans", "Q", Q)
    rmax = chk.in_range("clans", "rmax", rmax, 0.0, 1.0, lo_open=True, hi_open=True)
    if np.ndim(opt) == 0:
        opt = chk.integer("clans", "opt", opt, 0)
        if opt > 4:
            raise ValueError(f"clans: opt must be 0-4 or a vector of zeros; got {opt}")
    with warnings.catch_warnings():
        # The starting NTF may not reach 1 + Q; that is fine for an initial guess.
        warnings.simplefilter("ignore", RuntimeWarning)
        init = synthesizeNTF(order, OSR, opt, 1.0 + Q, 0.0)
    zeros = init.zeros
    cost, l1_margin = clans_objectives(zeros, order, OSR, Q, rmax)
    x0 = clans_params(init.poles, order, rmax)
    x = clans_minimize(cost, l1_margin, x0)
    if not clans_feasible(x, l1_margin, order, rmax):
        # SLSQP may end infeasible (it can step into the flat region where the poles
        # saturate at -rmax and stop there): retry, bounded, from the same start, a damped
        # one, and if need be a feasible point found by minimizing the 1-norm.
        starts = [x0, x, *_clans_damped_starts(order, OSR, opt, Q, rmax)]
        x = clans_retry(cost, l1_margin, starts, zeros, Q, rmax)
    return ZPK(zeros, pair_poles(clans_poles(x, order, rmax), order), 1.0)


def _clans_damped_starts(
    order: int, OSR: float, opt: int, Q: float, rmax: float
) -> list[np.ndarray]:
    """CLANS starting points from synthesizeNTF designs with ``H_inf`` below ``1 + Q``.

    Since ``||h||_1 >= H_inf``, the usual start (``H_inf = 1 + Q``) violates the 1-norm
    bound; lower ``H_inf`` gives a start nearer to (or inside) the feasible set.
    """
    starts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for frac in (0.75, 0.5):
            ntf = synthesizeNTF(order, OSR, opt, 1.0 + frac * Q, 0.0)
            starts.append(clans_params(ntf.poles, order, rmax))
    return starts
