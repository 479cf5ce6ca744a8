"""Shared conventions: TF normalisation, evaluation, dB helpers, ABCD partitioning."""

import numpy as np
import pytest
from scipy import signal

from ctdsm.toolbox import ZPK, as_zpk, dbp, dbv, evalTF, partitionABCD, undbp, undbv


def test_zpk_unpacks_like_a_tuple():
    z, p, k = ZPK(np.array([1.0]), np.array([0.5]), 2.0)
    assert z[0] == 1.0 and p[0] == 0.5 and k == 2.0


@pytest.mark.parametrize(
    "tf",
    [
        ([1, 1], [0, 0], 1),
        ZPK(np.array([1, 1]), np.array([0, 0]), 1.0),
        ([1, -2, 1], [1, 0, 0]),
        signal.ZerosPolesGain([1, 1], [0, 0], 1, dt=1),
        signal.TransferFunction([1, -2, 1], [1, 0, 0], dt=1),
        {"zeros": [1, 1], "poles": [0, 0], "k": 1},
    ],
)
def test_as_zpk_forms_agree(tf):
    h = as_zpk(tf)
    np.testing.assert_allclose(np.sort_complex(h.zeros), [1, 1], atol=1e-7)
    np.testing.assert_allclose(h.poles, [0, 0], atol=1e-12)
    assert h.k == pytest.approx(1.0)


def test_as_zpk_rejects_garbage():
    with pytest.raises(TypeError):
        as_zpk("not a tf")


def test_evalTF_second_order_difference():
    # (1 - z^-1)^2 at z = e^{j w} has magnitude (2 sin(w/2))^2.
    w = np.linspace(0.01, np.pi, 50)
    h = evalTF(([1, 1], [0, 0], 1), np.exp(1j * w))
    np.testing.assert_allclose(np.abs(h), (2 * np.sin(w / 2)) ** 2, rtol=1e-12)


def test_db_helpers_round_trip():
    x = np.array([1e-3, 0.5, 2.0, 1e4])
    np.testing.assert_allclose(undbv(dbv(x)), x, rtol=1e-12)
    np.testing.assert_allclose(undbp(dbp(x)), x, rtol=1e-12)
    assert dbv(10.0) == pytest.approx(20.0)
    assert dbp(10.0) == pytest.approx(10.0)
    assert dbv(0.0) == -np.inf


def test_partitionABCD_modulator_convention():
    n = 3
    ABCD = np.arange((n + 1) * (n + 2), dtype=float).reshape(n + 1, n + 2)
    A, B, C, D = partitionABCD(ABCD)
    assert A.shape == (3, 3) and B.shape == (3, 2) and C.shape == (1, 3) and D.shape == (1, 2)
    A2, B2, C2, D2 = partitionABCD(ABCD, 2)
    np.testing.assert_array_equal(np.block([[A2, B2], [C2, D2]]), ABCD)
