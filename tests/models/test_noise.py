"""Noise generators: the PSD of the made sequences is the one asked for."""

import numpy as np
import pytest
from scipy import signal

from ctdsm.models.noise import flicker_noise, shaped_noise


def _welch(x, fs):
    return signal.welch(x, fs, nperseg=4096, noverlap=2048, detrend=False)


def test_white_noise_level():
    rng = np.random.default_rng(1)
    fs = 1e6
    x = shaped_noise(1 << 20, fs, lambda f: np.full_like(f, 2e-9), rng)
    assert np.var(x) == pytest.approx(2e-9 * fs / 2, rel=0.01)
    f, p = _welch(x, fs)
    assert np.median(p[10:-10]) == pytest.approx(2e-9, rel=0.05)


@pytest.mark.parametrize("f_max", [None, 20e3])
def test_flicker_psd(f_max):
    rng = np.random.default_rng(2)
    fs, white, fc = 1e6, 1e-17, 10e3
    x = flicker_noise(1 << 21, fs, white, fc, rng, f_max)
    f, p = _welch(x, fs)
    for f_test in (1e3, 3e3, 10e3):
        band = (f > 0.8 * f_test) & (f < 1.25 * f_test)
        ratio = np.mean(p[band] * f[band]) / (white * fc)
        assert abs(10 * np.log10(ratio)) < 0.5, (f_test, ratio)
