"""ctdsm.sim.discretize: the map to an instant inside the period (probe_map)."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ctdsm.sim.discretize import probe_map, sub_period_map
from ctdsm.sim.plant import Plant, Port


def _plant(rng: np.random.Generator, n: int = 3) -> Plant:
    A = rng.normal(0.0, 1.0, (n, n)) - 2.0 * np.eye(n)
    ports = (
        Port(rng.normal(0.0, 1.0, n), 0.0, 0.5, 1.5),
        Port(rng.normal(0.0, 1.0, n), 0.0, 0.0, 1.0),
    )
    return Plant(
        A, rng.normal(0.0, 1.0, n), np.ones(n), 0.0, ports, np.zeros(n), ("a", "b", "c"), (0, 1, 2)
    )


def test_probe_map_is_the_sub_period_map():
    pl = _plant(np.random.default_rng(1))
    pm = probe_map([pl], [0.0, 1.0], 0.3)
    phi, gam = sub_period_map(pl, 0.3)
    np.testing.assert_allclose(pm.Phi, phi, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pm.Gamma, gam, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("tau", [0.25, 0.5, 0.8])
def test_probe_map_against_ode(tau):
    """Two segments with different dynamics, both DAC lags, a sine and a held input: the
    probe's state at tau equals a fine ODE integration of the same period."""
    rng = np.random.default_rng(7)
    p1 = _plant(rng)
    p2 = Plant(p1.A + 0.5 * np.eye(3), p1.b_u, p1.C, 0.0, p1.ports, p1.noise_b, p1.state_names,
               p1.ideal_states)  # fmt: skip
    edges = [0.0, 0.4, 1.0]
    w, theta = 0.3, 0.7
    held = rng.normal(0.0, 1.0, (3, 1))
    x0 = rng.normal(0.0, 1.0, 3)
    d_now, d_old = np.array([0.7, -0.4]), np.array([-1.0, 0.3])  # data of periods n, n - 1
    u_h = 0.9
    pm = probe_map([p1, p2], edges, tau, w, held)

    def rhs(t, x):
        A = p1.A if t < edges[1] else p2.A
        dx = A @ x + p1.b_u * np.sin(w * t + theta) + held[:, 0] * u_h
        for j, port in enumerate(p1.ports):
            for lag, dv in ((0, d_now[j]), (1, d_old[j])):
                if port.t0 - lag <= t < port.t1 - lag:
                    dx = dx + port.b * dv
        return dx

    sol = solve_ivp(rhs, (0.0, tau), x0, method="DOP853", rtol=1e-12, atol=1e-14,
                    max_step=0.01)  # fmt: skip
    want = sol.y[:, -1]
    hist = np.stack([d_now, d_old], axis=1)  # (P, L + 1)
    got = (
        pm.Phi @ x0
        + np.einsum("ipl,pl->i", pm.Gamma, hist)
        + pm.g_s * np.sin(theta)
        + pm.g_c * np.cos(theta)
        + pm.held[:, 0] * u_h
    )
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_probe_map_rejects_the_period_edges():
    pl = _plant(np.random.default_rng(2))
    for tau in (0.0, 1.0):
        with pytest.raises(ValueError, match="tau"):
            probe_map([pl], [0.0, 1.0], tau)
