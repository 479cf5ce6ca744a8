"""simulateDSM agrees sample for sample with PyDSM, an independent implementation.

Skipped when PyDSM (the ``bench`` extra) is not installed; ``make test`` installs it.
"""

import numpy as np
import pytest

from ctdsm import toolbox as ds

pydsm_delsig = pytest.importorskip("pydsm.delsig")


@pytest.mark.parametrize(
    ("order", "osr", "nlev", "h_inf", "amp"),
    [(5, 64, 2, 1.5, 0.5), (3, 32, 9, 2.0, 5.0), (4, 16, 17, 3.0, 12.0), (2, 128, 3, 1.5, 1.0)],
)
def test_outputs_identical(order, osr, nlev, h_inf, amp):
    ntf = ds.synthesizeNTF(order, osr, 1, h_inf)
    n = 1 << 14
    u = amp * np.sin(2 * np.pi * 11 / 4096 * np.arange(n))
    v_ref = np.asarray(pydsm_delsig.simulateDSM(u, (ntf.zeros, ntf.poles, 1.0), nlev)[0]).ravel()
    v = ds.simulateDSM(u, ntf, nlev)[0]
    assert np.array_equal(v, v_ref)


def test_synthesizeNTF_agrees():
    for order, osr, opt in [(5, 32, 1), (3, 64, 0), (6, 16, 1)]:
        mine = ds.synthesizeNTF(order, osr, opt)
        ref = pydsm_delsig.synthesizeNTF(order, osr, opt)
        np.testing.assert_allclose(np.sort_complex(mine.poles), np.sort_complex(ref[1]), atol=1e-6)
        np.testing.assert_allclose(np.sort_complex(mine.zeros), np.sort_complex(ref[0]), atol=1e-6)
