"""The steps of :func:`ctdsm.toolbox.ct.realizeNTF_ct`: structure, pulse responses, fit.

The loop filter is a chain of integrators with a resonator for each pair of NTF zeros.
Its free coefficients (the DAC gains ``Bc`` for the FB form, the feed-forward weights
``Cc`` for the FF form, and any direct paths ``Dc`` to the quantizer) enter the sampled
pulse response from ``v`` to ``y`` linearly, so matching it to the impulse response of
``L1 = 1 - 1/NTF`` is a linear least-squares problem, exact when the structure fits.

References
----------
S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
2nd ed., Wiley-IEEE, 2017, ch. 8 (impulse-invariant CT realization, excess loop delay).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._common import ZPK
from ._ct_map import l1_impulse, ntf_impulse, pulse_samples

__all__ = [
    "DacLayout",
    "prepare_ntf",
    "pair_zeros",
    "check_resonators",
    "dac_layout",
    "loop_structure",
    "pulse_matrix",
    "fit_coefficients",
    "assemble",
    "scale_input",
]


class DacLayout(NamedTuple):
    """The feedback DACs of a CT loop filter, as :func:`dac_layout` derives them.

    Attributes
    ----------
    tdac2 : ndarray, shape (1 + n_dac, 2)
        ``[-1, -1]`` for ``u``, then ``[t1, t2]`` per DAC column (periods).
    multi : bool
        Multi-timing (toolbox cell-array) ``tdac``: one row per DAC, each feeding the
        integrator in ``targets``.
    targets : list of int
        Multi-timing only: the integrator fed by each DAC, ``order`` for the direct path
        to the quantizer.
    n_extra : int
        Single timing only: the number of extra DACs ``[k - 1/2, k + 1/2]`` that feed the
        quantizer directly to compensate a pulse reaching past the sampling instant.
    """

    tdac2: np.ndarray
    multi: bool
    targets: list[int]
    n_extra: int


def prepare_ntf(ntf: ZPK) -> ZPK:
    """Check the NTF and snap its multiple zeros at z = 1 back onto z = 1.

    Multiple zeros at z = 1 obtained by root finding scatter by about ``eps^(1/m)``. The
    tolerance is tighter than the toolbox's ``eps^(1/(order+1))``, which could also
    capture genuine optimized zeros of high-order, high-OSR NTFs.

    Raises
    ------
    ValueError
        If the NTF has no poles, or not as many zeros as poles.
    """
    zeros = np.array(ntf.zeros, dtype=complex)
    order = len(ntf.poles)
    if order == 0:
        raise ValueError("the NTF has no poles")
    if len(zeros) != order:
        raise ValueError(f"the NTF must have as many zeros as poles ({len(zeros)} != {order})")
    tol = min(np.finfo(float).eps ** (1.0 / (1 + order)), 1e-5)
    zeros[np.abs(zeros - 1) < tol] = 1.0
    return ZPK(zeros, np.asarray(ntf.poles, dtype=complex), ntf.k)


def pair_zeros(zeros: np.ndarray, odd: int) -> tuple[complex | None, list[float]]:
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


def check_resonators(
    ordering: ArrayLike | None, bp: ArrayLike | None, order2: int
) -> tuple[np.ndarray, np.ndarray]:
    """``ordering`` and ``bp`` of :func:`realizeNTF_ct` as arrays, defaults filled in.

    Raises
    ------
    ValueError
        If either does not have one valid entry per resonator (``order2`` of them).
    """
    order_arr = np.arange(order2) if ordering is None else np.asarray(ordering, dtype=int)
    bp_arr = np.zeros(order2) if bp is None else np.asarray(bp, dtype=float)
    if order_arr.shape != (order2,) or np.any((order_arr < 0) | (order_arr >= max(order2, 1))):
        raise ValueError(f"ordering must hold {order2} zero-pair indices in 0..{order2 - 1}")
    if bp_arr.shape != (order2,):
        raise ValueError(f"bp must have {order2} entries (one per resonator)")
    return order_arr, bp_arr


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
    """Raise ``ValueError`` unless ``0 <= t1 < t2`` (finite), periods."""
    if not (np.isfinite(t1) and np.isfinite(t2)) or t1 < 0 or t2 <= t1:
        raise ValueError(f"invalid DAC timing [{t1:g}, {t2:g}]: need 0 <= t1 < t2")


def dac_layout(tdac: Any, form: str, order: int) -> DacLayout:
    """The DACs that ``tdac`` of :func:`realizeNTF_ct` describes.

    A single ``[t1, t2]`` is one DAC (into every integrator for FB), plus, when the pulse
    extends into the next period, direct compensation of the delay: the DAC's own direct
    path if the pulse spans the first sampling instant (``0 < t1 < 1 < t2 < 2``),
    otherwise extra DACs ``[k - 1/2, k + 1/2]`` giving ``z^-k`` directly.

    Raises
    ------
    ValueError
        For an invalid timing, a multi-timing ``tdac`` with the FF form or without
        ``order + 1`` entries, or one that defines no DAC.
    """
    if _is_single_timing(tdac):
        t1, t2 = np.asarray(tdac, dtype=float).ravel()
        _check_row(t1, t2)
        n_direct = math.ceil(t2) - 1
        n_extra = n_direct - 1 if (0 < t1 < 1 < t2 < 2) else n_direct
        extra = [[k - 0.5, k + 0.5] for k in range(1, n_extra + 1)]
        return DacLayout(np.array([[-1.0, -1.0], [t1, t2], *extra]), False, [], n_extra)
    if form != "FB":
        raise ValueError("a multi-timing tdac is only supported with form='FB'")
    if isinstance(tdac, np.ndarray):
        tdac = list(tdac)
    if not isinstance(tdac, Sequence) or len(tdac) != order + 1:
        raise ValueError(f"a multi-timing tdac must have order + 1 = {order + 1} entries")
    targets: list[int] = []
    rows: list[np.ndarray] = []
    for i, entry in enumerate(tdac):
        for row in _timing_rows(entry):
            _check_row(*row)
            targets.append(i)
            rows.append(row)
    if not rows:
        raise ValueError("tdac defines no DAC")
    return DacLayout(np.vstack([[-1.0, -1.0], np.array(rows)]), True, targets, 0)


def loop_structure(
    order: int,
    real_zero: complex | None,
    ws: list[float],
    ordering: np.ndarray,
    bp: np.ndarray,
    ABCDc: ArrayLike | None,
) -> np.ndarray:
    """The loop-filter structure: an ``(order + 1, >= order)`` ABCD whose ``Ac`` is kept.

    By default a chain of integrators: a lossy first one with pole ``log(real_zero)`` for
    an odd order, then one resonator (local feedback ``-w^2``) per zero pair, with the
    frequencies ``ws[ordering[i]]``; ``bp[i]`` selects which of the resonator's two
    integrators feeds the next stage. A given ``ABCDc`` is only checked for its shape.
    """
    if ABCDc is not None:
        abcd = np.atleast_2d(np.asarray(ABCDc, dtype=float))
        if abcd.shape[0] != order + 1 or abcd.shape[1] < order:
            raise ValueError(f"ABCDc must have {order + 1} rows and >= {order} columns")
        return abcd
    odd = order % 2
    abcd = np.zeros((order + 1, order + 2))
    if real_zero is not None:
        abcd[0, 0] = float(np.real(np.log(complex(real_zero))))
        abcd[1, 0] = 1.0
    for i in range(order // 2):
        i1 = 2 * i + odd
        w = ws[ordering[i]]
        abcd[i1, i1 + 1] = 0.0 - w * w  # 0.0 - avoids a printed -0
        abcd[i1 + 1, i1] = 1.0
        abcd[i1 + 2, i1] = bp[i]
        abcd[i1 + 2, i1 + 1] = 1.0 - bp[i]
    return abcd


def pulse_matrix(
    Ac: np.ndarray, Cc: np.ndarray, form: str, dacs: DacLayout, order: int
) -> np.ndarray:
    """Sampled pulse responses of the free coefficients, one column per coefficient.

    FB: the response to ``y`` of a unit DAC into each integrator (or each DAC of a
    multi-timing layout), then of the direct path. FF: the response of each integrator
    output to the (negative) DAC into the first integrator, then of the direct path. With
    extra direct DACs, the main DAC's direct path is replaced by unit impulses at samples
    ``1 .. n_extra``.

    Returns
    -------
    ndarray, shape (n_samp, n_coefficients)
        ``n_samp = ceil(2 order + max(t2) + 1) + 1`` samples.
    """
    tdac2 = dacs.tdac2
    n_samp = math.ceil(2 * order + np.max(tdac2[:, 1]) + 1) + 1
    eye_d = np.hstack([np.eye(order), np.zeros((order, 1))])
    if form == "FB":
        if dacs.multi:
            Bf = eye_d[:, dacs.targets]
            Df = (np.arange(order + 1)[dacs.targets] == order).astype(float)[None, :]
            timing = tdac2[1:]
        else:
            Bf = eye_d
            Df = np.zeros((1, order + 1))
            Df[0, order] = 1.0
            timing = np.repeat(tdac2[1:2], order + 1, axis=0)
        yy = pulse_samples(Ac, Bf, Cc, Df, timing, n_samp)[:, 0, :]
    else:
        bff = np.zeros((order, 1))
        bff[0, 0] = -1.0
        Cf = np.vstack([np.eye(order), np.zeros((1, order))])
        Dff = np.zeros((order + 1, 1))
        Dff[order, 0] = 1.0
        yy = pulse_samples(Ac, bff, Cf, Dff, tdac2[1:2], n_samp)[:, :, 0]
    n_extra = dacs.n_extra
    if n_extra > 0:
        impulses = np.zeros((n_samp, n_extra))
        impulses[np.arange(1, n_extra + 1), np.arange(n_extra)] = 1.0
        yy = np.hstack([yy[:, :-1], impulses])
    return yy


def fit_coefficients(yy: np.ndarray, ntf: ZPK, method: str) -> np.ndarray:
    """Least-squares coefficients ``x`` with ``yy @ x`` matching the loop response.

    Parameters
    ----------
    yy : ndarray, shape (n_samp, n_coefficients)
        Pulse responses of the free coefficients (:func:`pulse_matrix`).
    ntf : ZPK
        The NTF (:func:`prepare_ntf`).
    method : {'LOOP', 'NTF'}
        Match the impulse response of ``L1``, or of ``NTF * L1 = NTF - 1``.

    Returns
    -------
    ndarray, shape (n_coefficients,)
        Coefficients whose whole contribution is at round-off level are exactly zero
        (e.g. the direct path of an undelayed NRZ loop).

    Warns
    -----
    RuntimeWarning
        If the fit is poor (the structure cannot realize the NTF); attributed to the
        caller of ``realizeNTF_ct``.
    """
    n_samp = yy.shape[0]
    if method == "NTF":
        hn = ntf_impulse(ntf, n_samp)
        yy = np.column_stack([np.convolve(col, hn)[:n_samp] for col in yy.T])
        target = hn.copy()
        target[0] -= 1.0
    else:
        target = l1_impulse(ntf, n_samp)
    # Columns equilibrated: their scales differ by decades.
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
            stacklevel=3,
        )
    negligible = np.abs(x) * np.linalg.norm(yy, axis=0) < 1e-11 * max(
        1.0, float(np.linalg.norm(target))
    )
    x[negligible] = 0.0
    return x


def assemble(
    x: np.ndarray, form: str, dacs: DacLayout, order: int, Cc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Bc``, ``Cc`` and ``Dc`` from the fitted coefficients ``x``.

    ``Bc[:, 0]`` feeds ``u`` into the first integrator with unit weight (scaled later by
    :func:`scale_input`); ``Cc`` is kept for the FB form and fitted for the FF form.
    """
    n_dac = dacs.tdac2.shape[0] - 1
    Bc = np.zeros((order, 1 + n_dac))
    Dc = np.zeros((1, 1 + n_dac))
    Bc[0, 0] = 1.0
    if form == "FB" and dacs.multi:
        for j, tgt in enumerate(dacs.targets):
            if tgt < order:
                Bc[tgt, 1 + j] = x[j]
            else:
                Dc[0, 1 + j] = x[j]
        return Bc, Cc, Dc
    if form == "FB":
        Bc[:, 1] = x[:order]
    else:
        Bc[0, 1] = -1.0
        Cc = x[None, :order].copy()
    if dacs.n_extra > 0:
        Dc[0, 2:] = x[order:]
    else:
        Dc[0, 1] = x[order]
    return Bc, Cc, Dc


def _band_centre(zeros: np.ndarray) -> float:
    """Band centre estimated from the NTF zeros by the toolbox's rule.

    The mean frequency of the zeros on the side of the first one; 0 when they straddle
    DC (the smallest ``|f|`` is below three times the smallest distance from the mean).
    """
    fz = np.angle(zeros) / (2 * np.pi)
    same_side = np.abs(fz - fz[0]) <= np.abs(fz + fz[0])
    fz = fz[same_side]
    f0 = float(np.mean(fz))
    if np.min(np.abs(fz)) < 3 * np.min(np.abs(fz - f0)) or abs(f0) < 1e-12:
        f0 = 0.0
    return f0


def scale_input(
    Bc: np.ndarray, Ac: np.ndarray, Cc: np.ndarray, tdac2: np.ndarray, ntf: ZPK
) -> None:
    """Scale the input column ``Bc[:, 0]`` in place for unity STF at the band centre.

    At DC the first integrator's input must average to zero, so ``u`` balances the net
    charge of the DACs feeding it; elsewhere the STF magnitude at the centre is divided
    out (:func:`_stf_gain`).
    """
    f0 = _band_centre(ntf.zeros)
    if f0 == 0.0:
        charge = abs(float(Bc[0, 1:] @ (tdac2[1:, 1] - tdac2[1:, 0])))
        if charge > 0:
            Bc[:, 0] *= charge / Bc[0, 0]
    else:
        g0 = abs(_stf_gain(Ac, Bc[:, 0], Cc[0], ntf, f0))
        if g0 > 0 and np.isfinite(g0):
            Bc[:, 0] /= g0


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
