"""Exact one-clock-period discretization of a :class:`~ctdsm.sim.plant.Plant`.

Over one clock period ``[n, n+1)`` the plant is linear and its inputs are known functions
of time: rectangular DAC pulses (constant on the sub-intervals between DAC edges), a sine
input, and white noise. The state after one period is therefore exactly::

    x[n+1] = Phi x[n] + sum_{p, l} Gamma[p, l] d_p[n - l]
             + g_s sin(w n + phi) + g_c cos(w n + phi) + g_h u_h[n] + eta[n]

with ``Phi = e^A``; ``Gamma[p, l] = int e^{A (1 - t)} b_p dt`` over the part of the pulse
of port ``p`` emitted ``l`` periods earlier that lies inside ``[0, 1)``; ``g_s, g_c`` from the
matrix exponential of ``A`` augmented with a sine oscillator (exact for a sine input);
``g_h`` for an input held over the period; and ``eta[n]`` Gaussian with covariance
``Q = int_0^1 e^{A t} B_w B_w^T e^{A^T t} dt`` (Van Loan's method). A charge ``q`` delivered
as an impulse at time ``tau`` through column ``b`` adds ``e^{A (1 - tau)} b q``.

The quantizer input is sampled just before the clock edge: ``y[n] = C x[n] + d_u u(n) +
sum_{p, l >= 1} D[p, l] d_p[n - l]``, where ``D[p, l] = d_p`` when the pulse of port ``p``
emitted ``l`` periods earlier is on at that instant (``t0 < l <= t1``).

References
----------
C. F. Van Loan, "Computing integrals involving the matrix exponential," IEEE Trans.
Automatic Control, 23(3), 1978.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import linalg

from ctdsm.sim.plant import Plant, Port

__all__ = [
    "Discretized",
    "discretize",
    "discretize_segments",
    "held_column",
    "impulse_column",
    "noise_shadow",
    "reduce_fast_modes",
    "sub_period_map",
    "probe_map",
]


@dataclass(frozen=True)
class Discretized:
    """Matrices of the exact one-period map (see the module docstring).

    Attributes
    ----------
    Phi : (n, n)
    Gamma : (n, P, L + 1)
        Per port ``p`` and lag ``l`` (0 = the current sample's data).
    Dlag : (P, L + 1)
        Direct terms into ``y`` per port and lag.
    g_s, g_c : (n,)
        Sine-input columns (unit amplitude) for the frequency ``w`` (rad per period).
    g_h : (n,)
        Held-input column.
    C : (n,)
    d_u : float
    Qchol : (n, n)
        A factor ``L`` with ``L L^T = Q`` of the per-period noise covariance.
    w : float
    lags : int
        ``L``: the largest lag any port needs.
    """

    Phi: np.ndarray
    Gamma: np.ndarray
    Dlag: np.ndarray
    g_s: np.ndarray
    g_c: np.ndarray
    g_h: np.ndarray
    C: np.ndarray
    d_u: float
    Qchol: np.ndarray
    w: float
    lags: int
    held: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    impulses: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def _phi_int(A: np.ndarray, b: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """``(e^{A h}, int_0^h e^{A s} ds b)`` from one augmented matrix exponential."""
    n = A.shape[0]
    M = np.zeros((n + 1, n + 1))
    M[:n, :n] = A
    M[:n, n] = b
    E = linalg.expm(M * h)
    return E[:n, :n], E[:n, n]


def _pulse_column(A: np.ndarray, b: np.ndarray, a: float, e: float) -> np.ndarray:
    """``int_a^e e^{A (1 - t)} b dt`` for ``0 <= a <= e <= 1``."""
    if e <= a:
        return np.zeros(A.shape[0])
    Phi_rest, _ = _phi_int(A, np.zeros(A.shape[0]), 1.0 - e)
    _, col = _phi_int(A, b, e - a)
    return Phi_rest @ col


def impulse_column(A: np.ndarray, b: np.ndarray, tau: float) -> np.ndarray:
    """State change at the end of the period for a unit impulse through ``b`` at ``tau``."""
    return linalg.expm(A * (1.0 - tau)) @ b


def held_column(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """State change over one period for a unit input through ``b`` held over the period."""
    return _phi_int(np.asarray(A, dtype=float), np.asarray(b, dtype=float), 1.0)[1]


def _sine_columns(
    A: np.ndarray, b: np.ndarray, w: float, h: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Columns multiplying ``sin(theta)`` and ``cos(theta)`` for ``u(t) = sin(w t + theta)``
    over a time ``h``."""
    n = A.shape[0]
    M = np.zeros((n + 2, n + 2))
    M[:n, :n] = A
    M[:n, n] = b  # x' = A x + b s, with s = sin(w t + theta), c = cos(w t + theta)
    M[n, n + 1] = w  # s' = w c
    M[n + 1, n] = -w  # c' = -w s
    E = linalg.expm(M * h)
    return E[:n, n].copy(), E[:n, n + 1].copy()


def _noise_factor(A: np.ndarray, Bw: np.ndarray, h: float = 1.0) -> np.ndarray:
    """Factor of ``Q = int_0^h e^{A s} B_w B_w^T e^{A^T s} ds``.

    Van Loan's block exponential contains ``e^{-A h}``, which overflows for the stiff opamp
    poles; it is therefore applied over a step ``h / 2^k`` short enough that ``|A| h / 2^k
    <= 1``, and the result doubled ``k`` times: ``Q(2t) = Q(t) + e^{A t} Q(t) e^{A^T t}``.
    """
    n = A.shape[0]
    if Bw.size == 0 or not np.any(Bw):
        return np.zeros((n, n))
    norm = float(np.max(np.abs(A).sum(axis=1))) * h
    k = max(0, math.ceil(math.log2(norm))) if norm > 1.0 else 0
    t = h / 2**k
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n] = -A
    M[:n, n:] = Bw @ Bw.T
    M[n:, n:] = A.T
    E = linalg.expm(M * t)
    Phi_t = E[n:, n:].T
    Q = Phi_t @ E[:n, n:]
    for _ in range(k):
        Q = Q + Phi_t @ Q @ Phi_t.T
        Phi_t = Phi_t @ Phi_t
    return _factor(Q)


def _factor(Q: np.ndarray) -> np.ndarray:
    """A factor ``L`` with ``L L^T = Q`` for a symmetric positive semi-definite ``Q``."""
    n = Q.shape[0]
    if not np.any(Q):
        return np.zeros((n, n))
    Q = 0.5 * (Q + Q.T)
    # Eigen-factorization: robust for the rank-deficient Q of a few noise sources.
    lam, V = np.linalg.eigh(Q)
    lam = np.clip(lam, 0.0, None)
    return V * np.sqrt(lam)[None, :]


def discretize(plant: Plant, w: float = 0.0) -> Discretized:
    """Exact one-period map of ``plant`` for a sine input of ``w`` rad per clock period.

    Parameters
    ----------
    plant : Plant
    w : float
        Input angular frequency, rad per clock period (``2 pi fin / fs``).

    Returns
    -------
    Discretized
    """
    return discretize_segments([plant], [0.0, 1.0], w)


def _rotation(phi: float) -> np.ndarray:
    """``[sin(th + phi), cos(th + phi)] = R(phi) [sin th, cos th]``."""
    return np.array([[math.cos(phi), math.sin(phi)], [-math.sin(phi), math.cos(phi)]])


def discretize_segments(
    plants: list[Plant],
    edges: list[float],
    w: float = 0.0,
    held: np.ndarray | None = None,
    impulses: list[tuple[np.ndarray, float]] | None = None,
) -> Discretized:
    """Exact one-period map of a plant whose matrices change inside the period.

    ``plants[k]`` holds on ``[edges[k], edges[k+1])`` (``edges`` from 0 to 1); the ports,
    input and noise columns of every segment act with that segment's dynamics (a chopper
    switching the opamp between the choppers, for instance). Each segment's contribution is
    carried to the end of the period by the maps of the segments after it.

    Parameters
    ----------
    plants : list of Plant
    edges : list of float
    w : float
        Input angular frequency, rad per clock period.
    held : ndarray (n, m), optional
        Columns of inputs held over the period; their one-period columns are returned in
        ``Discretized.held``.
    impulses : list of (column, tau), optional
        Unit impulses through ``column`` at time ``tau`` in the period; their end-of-period
        columns are returned in ``Discretized.impulses``.
    """
    K = len(plants)
    if len(edges) != K + 1 or edges[0] != 0.0 or edges[-1] != 1.0:
        raise ValueError("edges must run from 0 to 1 with one more entry than plants")
    A_k = [np.asarray(p.A, dtype=float) for p in plants]
    n = A_k[0].shape[0]
    ports = plants[0].ports
    P = len(ports)
    L = max([math.ceil(p.t1) - 1 for p in ports] + [0])
    Phi_k = [linalg.expm(A * (edges[k + 1] - edges[k])) for k, A in enumerate(A_k)]
    after = [np.eye(n) for _ in range(K)]  # map from the end of segment k to the period end
    for k in range(K - 2, -1, -1):
        after[k] = after[k + 1] @ Phi_k[k + 1]
    Phi = after[0] @ Phi_k[0]

    def seg_of(t: float) -> int:
        for k in range(K):
            if edges[k] <= t < edges[k + 1]:
                return k
        return K - 1

    def integral(b: np.ndarray, lo: float, hi: float, k_only: int | None = None) -> np.ndarray:
        """int_lo^hi of (map from t to the period end) b dt."""
        out = np.zeros(n)
        for k in range(K):
            if k_only is not None and k != k_only:
                continue
            a_, e_ = max(lo, edges[k]), min(hi, edges[k + 1])
            if e_ <= a_:
                continue
            Phi_rest = linalg.expm(A_k[k] * (edges[k + 1] - e_))
            _, col = _phi_int(A_k[k], b, e_ - a_)
            out += after[k] @ (Phi_rest @ col)
        return out

    Gamma = np.zeros((n, P, L + 1))
    Dlag = np.zeros((P, L + 1))
    for j, port in enumerate(ports):
        b_seg = [np.asarray(pl.ports[j].b, dtype=float) for pl in plants]
        for lag in range(L + 1):
            a = min(max(port.t0 - lag, 0.0), 1.0)
            e = min(max(port.t1 - lag, 0.0), 1.0)
            for k in range(K):
                Gamma[:, j, lag] += integral(b_seg[k], a, e, k_only=k)
            if lag >= 1 and port.t0 < lag <= port.t1:
                Dlag[j, lag] = port.d
    g_h = np.zeros(n)
    g_sc = np.zeros((n, 2))
    Q = np.zeros((n, n))
    for k in range(K):
        b_u = np.asarray(plants[k].b_u, dtype=float)
        g_h += integral(b_u, edges[k], edges[k + 1], k_only=k)
        dur = edges[k + 1] - edges[k]
        if w > 0:
            cs = np.column_stack(_sine_columns(A_k[k], b_u, w, dur))
            g_sc += after[k] @ cs @ _rotation(w * edges[k])
        Lk = _noise_factor(A_k[k], np.asarray(plants[k].noise_b, dtype=float).reshape(n, -1), dur)
        Q += after[k] @ (Lk @ Lk.T) @ after[k].T
    if w > 0:
        g_s, g_c = g_sc[:, 0].copy(), g_sc[:, 1].copy()
    else:
        g_s, g_c = g_h.copy(), np.zeros(n)  # a constant input sin(theta)
    Qchol = _factor(Q)
    held_cols = np.zeros((n, 0))
    if held is not None and np.asarray(held).size:
        hb = np.asarray(held, dtype=float).reshape(n, -1)
        held_cols = np.column_stack(
            [sum(integral(hb[:, i], edges[k], edges[k + 1], k_only=k) for k in range(K))
             for i in range(hb.shape[1])]
        )  # fmt: skip
    imp_cols = np.zeros((n, 0))
    if impulses:
        cols = []
        for col, tau in impulses:
            k = seg_of(tau)
            cols.append(after[k] @ linalg.expm(A_k[k] * (edges[k + 1] - tau)) @ col)
        imp_cols = np.column_stack(cols)
    return Discretized(
        Phi=Phi,
        Gamma=Gamma,
        Dlag=Dlag,
        g_s=g_s,
        g_c=g_c,
        g_h=g_h,
        C=np.asarray(plants[0].C, dtype=float),
        d_u=float(plants[0].d_u),
        Qchol=Qchol,
        w=float(w),
        lags=L,
        held=held_cols,
        impulses=imp_cols,
    )


def probe_map(
    plants: list[Plant],
    edges: list[float],
    tau: float,
    w: float = 0.0,
    held: np.ndarray | None = None,
) -> Discretized:
    """Exact map from the period start to the state just before ``tau`` (``0 < tau < 1``).

    The segments of :func:`discretize_segments` clipped at ``tau``, followed by a frozen
    segment (no dynamics, no inputs) to the period's end: ``Phi``, ``Gamma``, ``g_s``,
    ``g_c`` and ``held`` of the result give ``x(n + tau^-)`` from ``x[n]``, the DAC history,
    the sine and the held inputs, as the full period's do for ``x[n + 1]``. Noise is left
    out (``Qchol`` is that of the clipped interval but is not meant to be used).
    """
    if not 0.0 < tau < 1.0:
        raise ValueError("tau must lie inside the period")
    segs = [(pl, a, min(b, tau)) for pl, a, b in zip(plants, edges[:-1], edges[1:], strict=True)]
    segs = [sg for sg in segs if sg[2] > sg[1]]
    p0 = plants[0]
    n = np.asarray(p0.A).shape[0]
    zero = np.zeros(n)
    frozen = Plant(
        np.zeros((n, n)),
        zero,
        p0.C,
        p0.d_u,
        tuple(Port(zero, 0.0, pt.t0, pt.t1) for pt in p0.ports),
        np.zeros_like(np.asarray(p0.noise_b, dtype=float)),
        p0.state_names,
        p0.ideal_states,
    )
    pls = [sg[0] for sg in segs] + [frozen]
    eds = [sg[1] for sg in segs] + [tau, 1.0]
    dz = discretize_segments(pls, eds, w, held)
    if dz.held.size:
        # The held columns are integrated over every segment, the frozen one included,
        # where they act unchanged (A = 0) for 1 - tau: take that back out.
        held_tau = dz.held - np.asarray(held, dtype=float).reshape(n, -1) * (1.0 - tau)
        dz = replace(dz, held=held_tau)
    return dz


def sub_period_map(plant: Plant, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """State at ``n + tau`` from ``x[n]`` and the DAC data: ``(Phi_tau, Gamma_tau)``.

    ``x(n + tau) = Phi_tau x[n] + sum_{p,l} Gamma_tau[:, p, l] d_p[n - l]`` (input ``u``
    excluded). Used to find the intra-period peaks of the states.
    """
    A = np.asarray(plant.A, dtype=float)
    n = A.shape[0]
    L = max([math.ceil(p.t1) - 1 for p in plant.ports] + [0])
    Gam = np.zeros((n, len(plant.ports), L + 1))
    for j, port in enumerate(plant.ports):
        for lag in range(L + 1):
            a = min(max(port.t0 - lag, 0.0), tau)
            e = min(max(port.t1 - lag, 0.0), tau)
            if e > a:
                Phi_rest = linalg.expm(A * (tau - e))
                _, col = _phi_int(A, port.b, e - a)
                Gam[:, j, lag] = Phi_rest @ col
    return linalg.expm(A * tau), Gam


def noise_shadow(dz: Discretized, Qchol: np.ndarray | None = None):
    """Scalar model of the thermal noise seen at the quantizer input.

    The plant is linear, so its state splits exactly into ``x = x_a + x_b``: ``x_b`` is the
    *shadow* loop, the same plant driven by the per-period noise ``eta`` with every DAC fed
    by its own quantizer input (a linear quantizer of gain 1), and ``x_a`` is driven by the
    DACs with ``d - y_b``. The nonlinear loop only ever sees ``y_b``, a stationary Gaussian
    process when the shadow loop is stable (its poles are the NTF poles of the linear
    model). ``y_b`` is generated from one white sequence through its innovations model
    (spectral factor from the discrete Riccati equation): one random number per clock cycle
    instead of one per state.

    Returns
    -------
    (sos, sigma) or None
        Second-order sections of the spectral factor (monic) and the innovations' standard
        deviation, or ``None`` when the shadow loop is not stable (the caller then injects
        ``eta`` state by state).
    """
    from scipy import signal

    L = Qchol if Qchol is not None else dz.Qchol
    if not np.any(L):
        return None
    n = dz.Phi.shape[0]
    lags = dz.lags
    Gsum = dz.Gamma.sum(axis=1)  # (n, L + 1): every port carries the same shadow signal
    Dsum = dz.Dlag.sum(axis=0)  # (L + 1,)
    m = n + lags
    A = np.zeros((m, m))
    A[:n, :n] = dz.Phi
    H = np.zeros(m)
    H[:n] = dz.C
    for lag in range(1, lags + 1):
        A[:n, n + lag - 1] = Gsum[:, lag]
        H[n + lag - 1] = Dsum[lag]
        if lag >= 2:
            A[n + lag - 1, n + lag - 2] = 1.0
    B = np.zeros(m)
    B[:n] = Gsum[:, 0]
    if lags:
        B[n] = 1.0
    F = A + np.outer(B, H)  # d[n] = y[n] = H xi[n]
    if np.max(np.abs(np.linalg.eigvals(F))) >= 1.0 - 1e-9:
        return None
    Q = np.zeros((m, m))
    Q[:n, :n] = L @ L.T
    # Innovations form xi+ = F xi + K e, y = H xi + e (a vanishing measurement noise keeps the
    # Riccati equation regular).
    try:
        P0 = linalg.solve_discrete_lyapunov(F, Q)
        # A measurement noise 1e-7 of the output variance (-70 dB: far below anything it
        # could change) keeps the Riccati equation regular for stiff plants.
        r = 1e-7 * float(H @ P0 @ H) + 1e-300
        P = linalg.solve_discrete_are(F.T, H[:, None], Q, np.array([[r]]))
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(P)):
        return None
    re = float(H @ P @ H) + r
    K = (F @ P @ H) / re
    # Monic spectral factor 1 + H (zI - F)^-1 K: poles eig(F), zeros eig(F - K H).
    zeros = np.linalg.eigvals(F - np.outer(K, H))
    poles = np.linalg.eigvals(F)
    sos = signal.zpk2sos(zeros, poles, 1.0)
    return sos, math.sqrt(re)


@dataclass(frozen=True)
class Reduction:
    """Coordinates of a plant with its settled fast modes removed (see reduce_fast_modes)."""

    Phi: np.ndarray  # (n + 1 + k, n + 1 + k)
    C: np.ndarray  # (n + 1 + k,)
    M: np.ndarray  # (n + 1 + k, N): maps any full-order input column to the reduced one
    extra: np.ndarray  # (k, n + 1 + k): the extra output rows in reduced coordinates


def reduce_fast_modes(
    Phi: np.ndarray,
    C: np.ndarray,
    keep: np.ndarray,
    fast_tol: float = 1e-9,
    extra: np.ndarray | None = None,
) -> Reduction | None:
    """Remove the modes that settle within one clock period (the opamps' fast poles).

    With one-pole opamps of unity-gain frequency ``wu`` the plant has modes that decay
    as ``e^{-wu T}`` per period (``1e-11`` at GBW = 4 fs): at every sampling instant their
    state is, to that accuracy, a function of the inputs of the period just ended. Splitting
    ``Phi`` into slow and fast invariant subspaces (ordered real Schur form, decoupled with a
    Sylvester equation) and dropping the fast block's dynamics leaves ``n`` slow states plus
    one memoryless state that carries the fast modes' contribution to ``y`` into the next
    sample. The slow coordinates are normalized so that they are the ``keep`` states (the
    opamp outputs) up to the fast part, which keeps saturation and swing meaningful. Each
    row of ``extra`` (another output of the state, e.g. a virtual-ground voltage) gets a
    memoryless state of its own in the same way.

    Returns ``None`` when there is nothing to remove or the fast block is not negligible.
    """
    N = Phi.shape[0]
    n = len(keep)
    slow_tol = 1e-6  # a clear gap between the slow and the removed eigenvalues
    T, Z, sdim = linalg.schur(
        Phi, output="real", sort=lambda re, im: re * re + im * im > slow_tol**2
    )
    if sdim == N or sdim != n:
        return None
    T11, T12, T22 = T[:sdim, :sdim], T[:sdim, sdim:], T[sdim:, sdim:]
    if np.linalg.norm(T22, 2) > fast_tol:
        return None
    X = linalg.solve_sylvester(T11, -T22, -T12)
    S = np.eye(N)
    S[:sdim, sdim:] = X
    Sinv = np.eye(N)
    Sinv[:sdim, sdim:] = -X
    V = Z @ S
    W = Sinv @ Z.T
    Vs, Vf, Ws, Wf = V[:, :sdim], V[:, sdim:], W[:sdim], W[sdim:]
    R = Vs[np.asarray(keep)]
    if np.linalg.cond(R) > 1e8:
        return None
    Vs = Vs @ np.linalg.inv(R)
    Ws = R @ Ws
    E = np.zeros((0, N)) if extra is None else np.atleast_2d(np.asarray(extra, dtype=float))
    k = E.shape[0]
    m = n + 1 + k
    Phi_r = np.zeros((m, m))
    Phi_r[:n, :n] = Ws @ Phi @ Vs
    M = np.vstack([Ws, (C @ Vf) @ Wf] + [(row @ Vf) @ Wf for row in E])
    C_r = np.concatenate([C @ Vs, [1.0], np.zeros(k)])
    E_r = np.zeros((k, m))
    for j, row in enumerate(E):
        E_r[j, :n] = row @ Vs
        E_r[j, n + 1 + j] = 1.0
    return Reduction(Phi=Phi_r, C=C_r, M=M, extra=E_r)
