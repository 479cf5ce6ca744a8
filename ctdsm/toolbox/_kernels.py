"""numba kernels of the toolbox's discrete-time modulator loop, and their Python entry point.

The loop is the toolbox's general single-loop modulator (Schreier & Temes 2005, app. B):

.. math::

    y[i] = C x[i] + D_1 u[i], \\qquad v[i] = Q(y[i]), \\qquad
    x[i+1] = A x[i] + B \\begin{bmatrix} u[i] \\\\ v[i] \\end{bmatrix}

``Q`` is the toolbox quantizer: for an even number of levels ``nlev`` it outputs odd
integers (``+-1, +-3, ...``, mid-rise), for an odd ``nlev`` even integers (``0, +-2, ...``,
mid-tread), saturating at ``+-(nlev - 1)``; the step is always 2.

The kernels are compiled once and cached on disk (``cache=True``); they allocate nothing per
sample. :func:`run_dsm_kernel` allocates their outputs and picks the specialized kernel.

References
----------
R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005.
R. Schreier, *The Delta-Sigma Toolbox, Version 7.3*, 2009 (simulateDSM).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["run_dsm_kernel", "split_abcd", "_dsm_kernel", "_dsm_kernel_1q"]


@njit(cache=True, nogil=True)
def _quantize(y: float, nlev: int) -> float:
    """The toolbox quantizer ``Q`` for one sample (see the module docstring)."""
    if nlev % 2 == 0:
        q = 2.0 * math.floor(0.5 * y) + 1.0
    else:
        q = 2.0 * math.floor(0.5 * (y + 1.0))
    lim = nlev - 1.0
    if q > lim:
        q = lim
    elif q < -lim:
        q = -lim
    return q


@njit(cache=True, nogil=True)
def _dsm_kernel(A, B, C, D1, u, nlev, x0, v, xn, xmax, y):  # pragma: no cover - compiled
    """Simulate ``N`` clock cycles of a delta-sigma modulator, writing into the given arrays.

    General kernel (any number of inputs and quantizers); no allocation per sample. Callable
    from other numba code; from Python use :func:`run_dsm_kernel`, which allocates the
    outputs with numpy (large numpy arrays get transparent huge pages, which makes the first
    touch of ``xn`` several times cheaper than an allocation inside the kernel).

    Parameters
    ----------
    A : float64[:, ::1], shape (n, n)
    B : float64[:, ::1], shape (n, nu + nq)
        Columns: the ``nu`` inputs, then the ``nq`` quantizer outputs.
    C : float64[:, ::1], shape (nq, n)
    D1 : float64[:, ::1], shape (nq, nu)
        Input-to-quantizer direct terms (``D2`` must be zero).
    u : float64[:, ::1], shape (nu, N)
        Input samples.
    nlev : int64[::1], shape (nq,)
        Quantizer levels.
    x0 : float64[::1], shape (n,)
        Initial state (not modified).
    v, y : float64[:, ::1], shape (nq, N)
        Outputs: quantizer outputs and inputs.
    xn : float64[:, ::1], shape (n, N) or (n, 0)
        Output: ``xn[:, i]`` is the state *after* clock ``i`` (toolbox convention). Pass a
        ``(n, 0)`` array to skip storing the states.
    xmax : float64[::1], shape (n,)
        Output: maximum ``|x|`` per state, including ``|x0|``.

    Notes
    -----
    The quantizer input of the next clock is split as
    ``y[i+1] = (C A x[i] + C B_u u[i] + D1 u[i+1]) + (C B_v) v[i]``: the bracket does not
    depend on ``v[i]``, so only one multiply-add separates consecutive quantizer decisions.
    This shortens the loop-carried dependency chain (about 1.5x faster than evaluating
    ``C x[i+1]``); ``y`` differs from that form by rounding only.
    """
    n = A.shape[0]
    nu = u.shape[0]
    nq = C.shape[0]
    N = u.shape[1]
    store = xn.shape[1] == N
    x = x0.copy()
    xnew = np.empty(n)
    vq = np.empty(nq)
    yq = np.empty(nq)
    pq = np.empty(nq)
    for r in range(n):
        xmax[r] = abs(x0[r])
    # W = C A, E = C B_u, K = C B_v
    W = np.zeros((nq, n))
    E = np.zeros((nq, nu))
    K = np.zeros((nq, nq))
    for q in range(nq):
        for r in range(n):
            for j in range(n):
                W[q, j] += C[q, r] * A[r, j]
            for m in range(nu):
                E[q, m] += C[q, r] * B[r, m]
            for s in range(nq):
                K[q, s] += C[q, r] * B[r, nu + s]
    for q in range(nq):
        acc = 0.0
        for j in range(n):
            acc += C[q, j] * x[j]
        for m in range(nu):
            acc += D1[q, m] * u[m, 0]
        yq[q] = acc
    for i in range(N):
        for q in range(nq):
            y[q, i] = yq[q]
            vq[q] = _quantize(yq[q], nlev[q])
            v[q, i] = vq[q]
        for q in range(nq):
            acc = 0.0
            for j in range(n):
                acc += W[q, j] * x[j]
            for m in range(nu):
                acc += E[q, m] * u[m, i]
                if i + 1 < N:
                    acc += D1[q, m] * u[m, i + 1]
            pq[q] = acc
        for r in range(n):
            acc = 0.0
            for m in range(nu):
                acc += B[r, m] * u[m, i]
            for j in range(n):
                acc += A[r, j] * x[j]
            for q in range(nq):
                acc += B[r, nu + q] * vq[q]
            xnew[r] = acc
        for q in range(nq):
            acc = pq[q]
            for s in range(nq):
                acc += K[q, s] * vq[s]
            yq[q] = acc
        for r in range(n):
            xr = xnew[r]
            x[r] = xr
            if store:
                xn[r, i] = xr
            ax = abs(xr)
            if ax > xmax[r]:
                xmax[r] = ax


@njit(cache=True, nogil=True)
def _dsm_kernel_1q(A, B, C, D1, u, nlev, x0, v, xn, xmax, y):  # pragma: no cover - compiled
    """Specialization of :func:`_dsm_kernel` for one input and one quantizer (same arguments)."""
    n = A.shape[0]
    N = u.shape[1]
    store = xn.shape[1] == N
    x = x0.copy()
    xnew = np.empty(n)
    c = C[0].copy()
    bu = B[:, 0].copy()
    bv = B[:, 1].copy()
    d = D1[0, 0]
    lev = nlev[0]
    w = np.zeros(n)  # C A
    e = 0.0  # C B_u
    k = 0.0  # C B_v
    for r in range(n):
        xmax[r] = abs(x0[r])
        e += c[r] * bu[r]
        k += c[r] * bv[r]
        for j in range(n):
            w[j] += c[r] * A[r, j]
    yi = d * u[0, 0]
    for j in range(n):
        yi += c[j] * x[j]
    for i in range(N):
        ui = u[0, i]
        y[0, i] = yi
        vi = _quantize(yi, lev)
        v[0, i] = vi
        p = e * ui
        if i + 1 < N:
            p += d * u[0, i + 1]
        for j in range(n):
            p += w[j] * x[j]
        for r in range(n):
            s = bu[r] * ui
            for j in range(n):
                s += A[r, j] * x[j]
            xnew[r] = s + bv[r] * vi
        yi = p + k * vi
        for r in range(n):
            xr = xnew[r]
            x[r] = xr
            if store:
                xn[r, i] = xr
            ax = abs(xr)
            if ax > xmax[r]:
                xmax[r] = ax


def run_dsm_kernel(
    A: np.ndarray,
    B: np.ndarray,
    C: np.ndarray,
    D1: np.ndarray,
    u: np.ndarray,
    nlev: np.ndarray,
    x0: np.ndarray,
    store_states: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Allocate the outputs and run the DT modulator kernel.

    Parameters
    ----------
    A, B, C, D1, u, nlev, x0 : array_like
        As for :func:`_dsm_kernel`; converted here to contiguous float64 (``nlev``: int64).
    store_states : bool, optional
        If False, ``xn`` is returned with shape ``(n, 0)``, which saves the memory traffic
        when only ``v``, ``y`` and ``xmax`` are needed. Default True.

    Returns
    -------
    v : ndarray, shape (nq, N)
        Quantizer outputs (toolbox levels).
    xn : ndarray, shape (n, N) or (n, 0)
        States after each clock.
    xmax : ndarray, shape (n,)
        Peak ``|x|`` per state, ``|x0|`` included.
    y : ndarray, shape (nq, N)
        Quantizer inputs.

    Notes
    -----
    The outputs are allocated with numpy rather than inside the kernel: large numpy arrays
    get transparent huge pages, which makes the first touch of ``xn`` several times cheaper.
    One input and one quantizer run the specialized :func:`_dsm_kernel_1q`.
    """
    A = np.ascontiguousarray(A, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    C = np.ascontiguousarray(C, dtype=np.float64)
    D1 = np.ascontiguousarray(D1, dtype=np.float64)
    u = np.ascontiguousarray(u, dtype=np.float64)
    nlev = np.ascontiguousarray(nlev, dtype=np.int64)
    x0 = np.ascontiguousarray(x0, dtype=np.float64)
    n = A.shape[0]
    nu, N = u.shape
    nq = C.shape[0]
    v = np.empty((nq, N))
    y = np.empty((nq, N))
    xn = np.empty((n, N if store_states else 0))
    xmax = np.empty(n)
    if N:
        kernel = _dsm_kernel_1q if (nu == 1 and nq == 1) else _dsm_kernel
        kernel(A, B, C, D1, u, nlev, x0, v, xn, xmax, y)
    else:
        xmax[:] = np.abs(x0)
    return v, xn, xmax, y


def split_abcd(
    M: np.ndarray, nu: int, nq: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Partition a modulator ABCD into the kernel's contiguous ``A, B, C, D1``.

    Parameters
    ----------
    M : ndarray, shape (n + nq, n + nu + nq)
        ``[[A, B], [C, D]]`` with inputs ``[u, v]``.
    nu, nq : int
        Number of inputs and of quantizers.

    Returns
    -------
    A, B, C, D1 : ndarray (float64, C-contiguous)
        ``B`` keeps all ``nu + nq`` input columns; ``D1`` is the ``u -> y`` block.

    Raises
    ------
    ValueError
        If the shape does not fit ``nu`` and ``nq``, or ``D2`` (``v -> y``) is not zero:
        the kernels have no delay-free loop.
    """
    n = M.shape[0] - nq
    if n < 0 or M.shape[1] != n + nu + nq:
        raise ValueError(
            f"ABCD of shape {M.shape} does not fit {nu} input(s) and {nq} quantizer(s)"
        )
    if np.any(M[n:, n + nu :] != 0):
        raise ValueError("D2 (v -> y) must be zero: the loop would be delay-free")
    A = np.ascontiguousarray(M[:n, :n], dtype=np.float64)
    B = np.ascontiguousarray(M[:n, n:], dtype=np.float64)
    C = np.ascontiguousarray(M[n:, :n], dtype=np.float64)
    D1 = np.ascontiguousarray(M[n:, n : n + nu], dtype=np.float64)
    return A, B, C, D1
