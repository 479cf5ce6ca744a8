"""The continuous-time plant seen by the sampled-data engine.

A :class:`Plant` is a linear CT system driven by the modulator input ``u(t)``, by DAC
*ports* (rectangular pulses, each a column of the input matrix with its own timing), and by
white-noise sources; the quantizer samples ``y = C x + d_u u + (direct DAC terms)`` just
before each clock edge. Time is normalized to the clock period.

:func:`plant_from_design` builds the ideal plant from a :class:`ctdsm.Design`, or, with
finite opamp DC gain and unity-gain bandwidth, the *physical* plant in which each active-RC
integrator has two states: the capacitor variable ``q`` and the opamp output ``o``. With the
virtual-ground voltage ``e = q - o`` and a one-pole opamp ``o = A(s) e``,
``A(s) = A0 / (1 + s/wp)``, ``wu = A0 wp``::

    q_i' = sum_j a_ij o_j + b_iu u + sum_p b_ip d_p - G_i e_i        (node current / C)
    o_i' = wu_i e_i - wp_i o_i = wu_i q_i - (wu_i + wp_i) o_i

where ``G_i`` is the sum of the magnitudes of every conductance (over C) into the virtual
ground (the resistors of the ideal coefficients, including the DAC resistors). As
``A0, wu -> inf`` this reduces to ``o_i = q_i``, the ideal integrator. The same derivation is
in S. Pavan, R. Schreier, G. C. Temes, *Understanding Delta-Sigma Data Converters*, 2nd ed.,
sec. 9.3 (active-RC integrators with finite gain-bandwidth).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

#: Bandwidth of the first opamp's input stage (the part the chopper wraps) relative to its
#: unity-gain frequency: the pole at the folding/cascode node of a fast input stage, about
#: f_T / 10 in 180 nm (1.6-2.6 GHz for the seed designs). Optimistic for very large low-noise
#: input devices; the chopping transients grow as (1 / ratio)^2 (docs/models.md).
FIRST_OPAMP_POLE2_RATIO = 20.0

__all__ = [
    "Port",
    "Plant",
    "plant_from_abcdc",
    "physical_plant",
    "node_conductance",
    "chopped_plant",
]


@dataclass(frozen=True)
class Port:
    """A DAC feeding the plant with a rectangular pulse.

    Attributes
    ----------
    b : ndarray, shape (n,)
        Input column (state derivative per unit DAC value), time normalized to 1/fs.
    d : float
        Direct term into the quantizer input while the pulse is on.
    t0, t1 : float
        Pulse edges in clock periods after the sampling instant that produced the data
        (``t1`` may exceed 1: excess loop delay).
    """

    b: np.ndarray
    d: float
    t0: float
    t1: float


@dataclass(frozen=True)
class Plant:
    """Linear CT plant (time normalized to the clock period).

    Attributes
    ----------
    A : ndarray (n, n)
    b_u : ndarray (n,)
        Input column of the modulator input ``u``.
    C : ndarray (n,)
        Quantizer-input row.
    d_u : float
        Direct feed of ``u`` into the quantizer input.
    ports : tuple of Port
        Feedback DACs; ``ports[0]`` is the first integrator's main DAC.
    noise_b : ndarray (n, k)
        Columns through which ``k`` independent unit-PSD white noises enter
        (two-sided PSD 1 in normalized units, i.e. ``E[w(t) w(s)] = delta(t - s)``).
    state_names : tuple of str
    ideal_states : ndarray of int
        Index of the state that corresponds to each ideal loop-filter state (the opamp
        output in a physical plant).
    """

    A: np.ndarray
    b_u: np.ndarray
    C: np.ndarray
    d_u: float
    ports: tuple[Port, ...]
    noise_b: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    state_names: tuple[str, ...] = ()
    ideal_states: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def n(self) -> int:
        return self.A.shape[0]


def plant_from_abcdc(abcdc: np.ndarray, tdac: np.ndarray) -> Plant:
    """The ideal plant of a toolbox CT loop filter (``ABCDc``, ``tdac2``)."""
    abcdc = np.asarray(abcdc, dtype=float)
    tdac = np.asarray(tdac, dtype=float)
    n = abcdc.shape[0] - 1
    A = abcdc[:n, :n].copy()
    b_u = abcdc[:n, n].copy()
    C = abcdc[n, :n].copy()
    d_u = float(abcdc[n, n])
    ports = tuple(
        Port(abcdc[:n, n + 1 + j].copy(), float(abcdc[n, n + 1 + j]), *map(float, tdac[1 + j]))
        for j in range(abcdc.shape[1] - n - 1)
    )
    return Plant(
        A=A,
        b_u=b_u,
        C=C,
        d_u=d_u,
        ports=ports,
        noise_b=np.zeros((n, 0)),
        state_names=tuple(f"x{i + 1}" for i in range(n)),
        ideal_states=np.arange(n),
    )


def node_conductance(ideal: Plant, k_x: np.ndarray, k_u: float) -> np.ndarray:
    """``G_i``: total conductance into each virtual ground over ``C_i``, normalized time.

    A coefficient ``a`` from a source of scale ``k_s`` (volts per unit) into integrator ``i``
    is a resistor ``R = (k_s / k_x_i) / (|a| C_i fs)``; a virtual-ground voltage ``e`` (in
    units of ``k_x_i``) drives ``e k_x_i / R`` through it, i.e. ``|a| (k_x_i / k_s) e`` in the
    normalized state equation.
    """
    k_x = np.asarray(k_x, dtype=float)
    G = (np.abs(ideal.A) * (k_x[:, None] / k_x[None, :])).sum(axis=1)
    G += np.abs(ideal.b_u) * k_x / k_u
    for p in ideal.ports:
        G += np.abs(p.b) * k_x / k_u
    return G


def physical_plant(
    ideal: Plant,
    dc_gain: np.ndarray | float | None,
    wu: np.ndarray | float | None,
    rc_scale: np.ndarray | float = 1.0,
    k_x: np.ndarray | None = None,
    k_u: float = 1.0,
    opamp_noise: np.ndarray | None = None,
) -> Plant:
    """Active-RC realization of an ideal plant with one-pole opamps and RC spread.

    Parameters
    ----------
    ideal : Plant
        Ideal plant (from :func:`plant_from_abcdc`); its ``noise_b`` columns are current
        noises into the integrators (they stay on the capacitor rows).
    dc_gain : float or array (n,) or None
        Opamp DC gain per integrator (V/V); ``None`` for ideal opamps.
    wu : float or array (n,) or None
        Opamp unity-gain angular frequency, rad per clock period (``2 pi GBW / fs``);
        ``None`` for ideal opamps.
    rc_scale : float or array (n,)
        Factor on every ``1/(RC)`` of integrator ``i`` (1.2 means RC products 17 % short).
    k_x : array (n,), optional
        Volts per unit of each state (default 1), and ``k_u`` of the input and DACs; they
        set how much current a virtual-ground error draws through each resistor.
    opamp_noise : array (n,), optional
        Input-referred white-noise intensity of each opamp in normalized units
        (``sqrt(S_en / 2 * fs) / k_x``); added as noise columns.

    Returns
    -------
    Plant
        States ``[q_1, w_1, o_1, q_2, o_2, ...]`` when the opamps are finite (the first
        opamp is a two-stage Miller amplifier: DC gain ``A0``, unity-gain frequency ``wu``
        and a non-dominant pole at ``FIRST_OPAMP_POLE2_RATIO wu``; the others have one pole);
        otherwise the ideal plant with the RC spread applied (and opamp noise as currents
        ``G_i e_n``).
    """
    n = ideal.n
    kx = np.ones(n) if k_x is None else np.asarray(k_x, dtype=float)
    k = np.broadcast_to(np.asarray(rc_scale, dtype=float), (n,))
    scaled = Plant(
        A=ideal.A * k[:, None],
        b_u=ideal.b_u * k,
        C=ideal.C.copy(),
        d_u=ideal.d_u,
        ports=tuple(Port(p.b * k, p.d, p.t0, p.t1) for p in ideal.ports),
        noise_b=ideal.noise_b.reshape(n, -1) * k[:, None],
        state_names=ideal.state_names,
        ideal_states=ideal.ideal_states.copy(),
    )
    G = node_conductance(scaled, kx, k_u)
    en = np.zeros(n) if opamp_noise is None else np.asarray(opamp_noise, dtype=float)
    a0 = np.broadcast_to(np.asarray(np.inf if dc_gain is None else dc_gain, dtype=float), (n,))
    w = np.broadcast_to(np.asarray(np.inf if wu is None else wu, dtype=float), (n,))
    if not np.all(np.isfinite(w)):
        # Infinite bandwidth: the opamp output follows o = kappa q, kappa = A0 / (1 + A0),
        # and the virtual ground e = q / (1 + A0) leaks every integrator (finite DC gain).
        with np.errstate(invalid="ignore"):
            kappa = np.where(np.isfinite(a0), a0 / (1.0 + a0), 1.0)
            leak = np.where(np.isfinite(a0), G / (1.0 + a0), 0.0)
        cols = [scaled.noise_b] + ([np.diag(G * en)[:, en > 0]] if np.any(en > 0) else [])
        return replace(
            scaled,
            A=scaled.A * kappa[None, :] - np.diag(leak),
            C=scaled.C * kappa,
            noise_b=np.hstack(cols),
        )
    a0 = np.where(np.isfinite(a0), a0, 1e12)
    wp = w / a0
    # State layout: integrator 1 is [q1, w1, o1] (two-stage Miller opamp: w1 is the first
    # stage's signal behind its own, non-dominant pole, the part the chopper wraps), every
    # other integrator [q_i, o_i].
    q = np.concatenate([[0], 3 + 2 * np.arange(n - 1)]).astype(int)
    o = q + 1
    o[0] = 2
    w1 = 1
    m = 2 * n + 1
    om2 = FIRST_OPAMP_POLE2_RATIO * w[0]
    Ap = np.zeros((m, m))
    for i in range(n):
        # q_i' = sum_j a_ij o_j - G_i (q_i - o_i) + inputs
        Ap[q[i], o] += scaled.A[i]
        Ap[q[i], q[i]] -= G[i]
        Ap[q[i], o[i]] += G[i]
        if i == 0:
            # w1' = om2 (e + v_n - w1): the input stage behind the non-dominant pole;
            # o1' = wu w1 - wp o1: the Miller (output) stage, DC gain wu / wp = A0.
            Ap[w1, q[0]] = om2
            Ap[w1, o[0]] = -om2
            Ap[w1, w1] = -om2
            Ap[o[0], w1] = w[0]
            Ap[o[0], o[0]] = -wp[0]
        else:
            # o_i' = wu (q_i - o_i + v_n) - wp o_i
            Ap[o[i], q[i]] = w[i]
            Ap[o[i], o[i]] = -(w[i] + wp[i])
    expand = np.zeros((m, n))
    expand[q, np.arange(n)] = 1.0
    Cp = np.zeros(m)
    Cp[o] = scaled.C
    cols = [expand @ scaled.noise_b]
    if np.any(en > 0):
        op = np.zeros((m, n))
        op[o[1:], np.arange(1, n)] = w[1:] * en[1:]
        op[w1, 0] = om2 * en[0]
        cols.append(op[:, en > 0])
    names = ["q1", "w1", "o1"] + [s for i in range(1, n) for s in (f"q{i + 1}", f"o{i + 1}")]
    return Plant(
        A=Ap,
        b_u=expand @ scaled.b_u,
        C=Cp,
        d_u=scaled.d_u,
        ports=tuple(Port(expand @ p.b, p.d, p.t0, p.t1) for p in scaled.ports),
        noise_b=np.hstack(cols),
        state_names=tuple(names),
        ideal_states=o.copy(),
    )


def chopped_plant(plant: Plant, c: float, c_out: float | None = None) -> Plant:
    """The physical plant with the first opamp's input stage between choppers of sign ``c``.

    The choppers wrap the input stage of the two-stage Miller opamp: it amplifies ``c e``
    and the Miller stage integrates ``c w1``. With an ideal input stage the two signs cancel
    and chopping is transparent; with its finite bandwidth (the non-dominant pole) ``w1``
    needs time to follow the flipped ``c e`` after each chop edge, so a charge proportional to
    the virtual-ground voltage ``e`` (which carries the shaped quantization noise) is lost at
    every edge: the folding of ``e`` near multiples of ``f_chop`` into the band. The
    opamp's input-referred offset and noise enter ``w1`` between the choppers and are moved
    to the chopping frequency. ``c = +1`` is the plant itself.

    Parameters
    ----------
    plant : Plant
        A finite-bandwidth physical plant (:func:`physical_plant`).
    c : {+1, -1}
        Sign of the input chopper.
    c_out : {+1, -1}, optional
        Sign of the output chopper when it differs (clock skew between the two); default
        ``c``.
    """
    c_out = c if c_out is None else c_out
    if c == 1 and c_out == 1:
        return plant
    o1 = int(plant.ideal_states[0])
    w1, q1 = o1 - 1, o1 - 2
    A = plant.A.copy()
    A[w1, q1] *= c
    A[w1, o1] *= c
    A[o1, w1] *= c_out
    return replace(plant, A=A)
