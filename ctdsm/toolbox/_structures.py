"""ABCD matrices of the toolbox's modulator structures, and their inverses.

One builder per structure for :func:`ctdsm.toolbox.realize.stuffABCD` and one inverse per
family for :func:`ctdsm.toolbox.realize.mapABCD`. Coefficients follow the toolbox: ``a``
(n) feedback or feedforward, ``g`` (n // 2) resonator, ``b`` (n + 1) feed-in with the last
one direct to the quantizer, ``c`` (n) inter-stage gains. States are integrator outputs in
signal-flow order; the inputs are ``[u, v]``.

A *delaying* integrator is ``x' = x + in`` evaluated with the previous states; a
*non-delaying* one uses the already-updated state of its predecessor, which in ABCD form
means adding a multiple of that predecessor's row (``M[r] += c * M[r - 1]``).

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005,
appendix B (structure diagrams).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _checks as chk

__all__ = ["FORMS", "FB_FORMS", "check_form", "as_coeffs", "stuff", "unstuff"]

#: Structures understood by realizeNTF, stuffABCD and mapABCD.
FORMS = ("CRFB", "CRFF", "CIFB", "CIFF", "CRFBD", "CRFFD", "Stratos")

#: Feedback forms: ``a`` feeds ``v`` back into every integrator.
FB_FORMS = ("CRFB", "CIFB", "CRFBD")

_Coeffs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def check_form(form: str, func: str = "stuffABCD") -> None:
    """Raise ``ValueError`` (naming ``func``) unless ``form`` is one of :data:`FORMS`."""
    if not isinstance(form, str) or form not in FORMS:
        raise ValueError(f"{func}: form must be one of {', '.join(FORMS)}; got {form!r}")


def as_coeffs(a: Any, g: Any, b: Any, c: Any, func: str = "stuffABCD") -> _Coeffs:
    """Coefficient vectors ``a, g, b, c`` as 1-D float arrays of the right lengths.

    A scalar ``b`` is a single feed-in to the first integrator; a missing ``g`` is zeros.

    Raises
    ------
    ValueError
        Naming ``func`` and the coefficient: if one is not numeric or has a NaN or
        infinite entry, ``a`` is empty, or ``g``, ``b`` or ``c`` does not fit the order
        ``n = len(a)``.
    """

    def vec(name: str, x: Any) -> np.ndarray:
        arr = chk.finite_array(func, name, np.atleast_1d(np.asarray(x)).ravel())
        if arr.dtype.kind == "c":
            raise ValueError(f"{func}: {name} must be real; got {x!r}")
        return arr.astype(float)

    a = vec("a", a)
    n = a.size
    if n == 0:
        raise ValueError(f"{func}: a must not be empty (it sets the order n = len(a))")
    g = vec("g", g if g is not None else [])
    b = vec("b", b)
    c = vec("c", c)
    if b.size == 1:
        b = np.concatenate([b, np.zeros(n)])
    if g.size == 0 and n // 2:
        g = np.zeros(n // 2)
    if g.size < n // 2:
        raise ValueError(f"{func}: g needs {n // 2} entries for order {n}; got {g.size}")
    if b.size != n + 1:
        raise ValueError(f"{func}: b needs {n + 1} entries (or 1) for order {n}; got {b.size}")
    if c.size != n:
        raise ValueError(f"{func}: c needs {n} entries for order {n}; got {c.size}")
    return a, g[: n // 2], b, c


# ----------------------------------------------------------------------------------------
# coefficients -> ABCD
# ----------------------------------------------------------------------------------------


def _integrators(b: np.ndarray, n: int) -> np.ndarray:
    """``(n + 1, n + 2)`` start matrix: every stage an integrator, feed-ins ``b`` from ``u``."""
    M = np.zeros((n + 1, n + 2))
    M[:, n] = b
    M[np.arange(n), np.arange(n)] = 1.0
    return M


def _stuff_crfb(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """CRFB: resonators of a delaying and a non-delaying integrator, feedback ``a``."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[:n, n + 1] = -a
    # Delaying integrators (the first of each pair, and the lone one for odd n) drive the
    # next stage through the sub-diagonal; the last one drives y.
    for k in range(1 - odd, n, 2):
        M[k + 1, k] = c[k]
    for j, k in enumerate(range(1 + odd, n, 2)):
        M[k - 1, k] = -g[j]
    for r in range(1 + odd, n, 2):
        M[r] += c[r - 1] * M[r - 1]
    return M


def _stuff_cifb(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """CIFB: a chain of delaying integrators, feedback ``a``, delaying resonator loops."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[:n, n + 1] = -a
    for k in range(n):
        M[k + 1, k] = c[k]
    for j, k in enumerate(range(1 + odd, n, 2)):
        M[k - 1, k] = -g[j]
    return M


def _stuff_crfbd(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """CRFBD: CRFB with a delaying quantizer (the last integrator is delaying)."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[:n, n + 1] = -a
    M[n, n - 1] = c[n - 1]
    dly = list(range(odd, n - 1, 2))  # the first integrator of each resonator
    for k in dly:
        M[k + 1, k] = c[k]
    for j, k in enumerate(dly):
        M[k] -= g[j] * M[k + 1]
    for r in range(2 - odd, n, 2):  # couplings between resonators are non-delaying
        M[r] += c[r - 1] * M[r - 1]
    return M


def _stuff_ciff(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """CIFF: a chain of delaying integrators summed by ``a`` into the quantizer."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[0, n + 1] = -c[0]
    for k in range(n - 1):
        M[k + 1, k] = c[k + 1]
    M[n, :n] = a
    for j, k in enumerate(range(1 + odd, n, 2)):
        M[k - 1, k] = -g[j]
    return M


def _stuff_stratos(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Stratos: CIFF with non-delaying resonator feedback (J. Gealow's variant)."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[0, n + 1] = -c[0]
    for k in range(n - 1):
        M[k + 1, k] = c[k + 1]
    for j, r in enumerate(range(odd, n - 1, 2)):
        M[r] -= g[j] * M[r + 1]
    M[n, :n] = a
    return M


def _feedforward_output(M: np.ndarray, a: np.ndarray, b_direct: float, after: range) -> None:
    """Quantizer row of a resonator FF form, in place.

    Stages in ``after`` are summed after their update (their whole row, weighted by ``a``),
    the others directly; ``b_direct`` feeds ``u`` straight to the quantizer.
    """
    n = a.size
    out = np.zeros(n + 2)
    direct = slice(1 - after.start, n, 2)  # the stages of the other parity
    out[direct] = a[direct]
    for i in after:
        out += a[i] * M[i]
    M[n] = out + np.concatenate([np.zeros(n), [b_direct, 0.0]])


def _stuff_crff(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """CRFF: resonators summed by ``a`` into the quantizer (feedforward)."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[0, n + 1] = -c[0]
    for k in range(0, n - 1, 2):
        M[k + 1, k] = c[k + 1]
    if not odd:
        for j, r in enumerate(range(0, n, 2)):
            M[r] -= g[j] * M[r + 1]
    else:
        for j, k in enumerate(range(2, n, 2)):
            M[k - 1, k] = -g[j]
    for r in range(2, n, 2):
        M[r] += c[r] * M[r - 1]
    _feedforward_output(M, a, b[n], range(1, n, 2))
    return M


def _stuff_crffd(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """CRFFD: CRFF with a delaying quantizer; one extra state holds the delayed ``y``."""
    n = a.size
    odd = n % 2
    M = _integrators(b, n)
    M[0, n + 1] = -c[0]
    for k in range(1, n - 1, 2):
        M[k + 1, k] = c[k + 1]
    if not odd:
        for j, k in enumerate(range(1, n, 2)):
            M[k - 1, k] = -g[j]
    else:
        for j, r in enumerate(range(1, n, 2)):
            M[r] -= g[j] * M[r + 1]
    for r in range(1, n, 2):
        M[r] += c[r] * M[r - 1]
    _feedforward_output(M, a, b[n], range(0, n, 2))
    return _delay_quantizer(M)


def _delay_quantizer(M: np.ndarray) -> np.ndarray:
    """Append a state that holds ``y``, so that the quantizer samples it one clock later."""
    n = M.shape[0] - 1
    A, B, C, D = M[:n, :n], M[:n, n:], M[n:, :n], M[n:, n:]
    out = np.zeros((n + 2, n + 3))
    out[:n, :n] = A
    out[n, :n] = C[0]
    out[:n, n + 1 :] = B
    out[n, n + 1 :] = D[0]
    out[n + 1, n] = 1.0
    return out


_STUFF: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "CRFB": _stuff_crfb,
    "CIFB": _stuff_cifb,
    "CRFBD": _stuff_crfbd,
    "CIFF": _stuff_ciff,
    "Stratos": _stuff_stratos,
    "CRFF": _stuff_crff,
    "CRFFD": _stuff_crffd,
}


def stuff(a: np.ndarray, g: np.ndarray, b: np.ndarray, c: np.ndarray, form: str) -> np.ndarray:
    """ABCD of structure ``form`` from checked coefficients (see :func:`as_coeffs`)."""
    return _STUFF[form](a, g, b, c)


# ----------------------------------------------------------------------------------------
# ABCD -> coefficients
# ----------------------------------------------------------------------------------------


def _undelay_quantizer(M: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_delay_quantizer`: drop the state that holds the delayed ``y``."""
    n = M.shape[0] - 2
    inner = np.zeros((n + 1, n + 2))
    inner[:n, :n] = M[:n, :n]
    inner[n, :n] = M[n, :n]
    inner[:, n:] = M[: n + 1, n + 1 :]
    return inner


def _unstuff_fb(M: np.ndarray, g: np.ndarray, form: str) -> _Coeffs:
    """Coefficients of a feedback form (CRFB, CIFB, CRFBD); ``M`` is modified."""
    n = M.shape[0] - 1
    odd = n % 2
    c = np.array([M[k + 1, k] for k in range(n)])
    if form == "CRFB":
        for r in range(1 + odd, n, 2):
            M[r] -= c[r - 1] * M[r - 1]
    elif form == "CRFBD":
        for r in range(2 - odd, n, 2):
            M[r] -= c[r - 1] * M[r - 1]
        for j, k in enumerate(range(odd, n - 1, 2)):
            M[k] += g[j] * M[k + 1]
    return -M[:n, n + 1].copy(), g, M[:, n].copy(), c


def _unstuff_ciff(M: np.ndarray, g: np.ndarray, c: np.ndarray, form: str) -> _Coeffs:
    """Coefficients of CIFF or Stratos; ``M`` is modified."""
    n = M.shape[0] - 1
    odd = n % 2
    a = M[n, :n].copy()
    if form == "Stratos":
        for j, r in enumerate(range(odd, n - 1, 2)):
            M[r] += g[j] * M[r + 1]
    return a, g, M[:, n].copy(), c


def _unstuff_crff(M: np.ndarray, g: np.ndarray, c: np.ndarray, form: str) -> _Coeffs:
    """Coefficients of CRFF or (undelayed) CRFFD; ``M`` is modified."""
    n = M.shape[0] - 1
    odd = n % 2
    a = np.zeros(n)
    if form == "CRFF":
        for r in range(2, n, 2):
            M[r] -= c[r] * M[r - 1]
        if not odd:
            for j, r in enumerate(range(0, n, 2)):
                M[r] += g[j] * M[r + 1]
        summed_after = range(1, n, 2)
    else:
        for r in range(1, n, 2):
            M[r] -= c[r] * M[r - 1]
        if odd:
            for j, r in enumerate(range(1, n, 2)):
                M[r] += g[j] * M[r + 1]
        summed_after = range(0, n, 2)
    for i in summed_after:
        a[i] = M[n, i]
        M[n] -= a[i] * M[i]
    direct = [i for i in range(n) if i not in summed_after]
    a[direct] = M[n, direct]
    return a, g, M[:, n].copy(), c


def unstuff(M: np.ndarray, form: str) -> _Coeffs:
    """Coefficients ``a, g, b, c`` of structure ``form`` from its ABCD ``M`` (modified).

    Exact inverse of :func:`stuff` for every form, the ``g * b`` cross terms of Stratos
    included (the toolbox's ``mapABCD`` ignores them).
    """
    if form == "CRFFD":
        M = _undelay_quantizer(M)
    n = M.shape[0] - 1
    odd = n % 2
    g = np.array([-M[k - 1, k] for k in range(1 + odd, n, 2)])  # where -g sits (all forms)
    if form in FB_FORMS:
        return _unstuff_fb(M, g, form)
    c = np.concatenate([[-M[0, n + 1]], [M[k, k - 1] for k in range(1, n)]])
    if form in ("CIFF", "Stratos"):
        return _unstuff_ciff(M, g, c, form)
    return _unstuff_crff(M, g, c, form)
