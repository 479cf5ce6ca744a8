"""Figures of merit against published values: the VLSI 2019 chip (paper 19.2) and rows of
B. Murmann's ADC survey (rev. 2025-06-09, columns FOMS_hf [dB] and FOMW_hf [fJ/conv-step],
bandwidth = fsnyq / 2)."""

import math

import pytest

from ctdsm.analysis.fom import enob_bits, fom_schreier_db, fom_walden_j


def test_vlsi2019_schreier():
    # 103.5 + 10 log10(250e3 / 24e-3) = 103.5 + 70.18 = 173.68 dB (published: 173.7 dB)
    assert fom_schreier_db(103.5, 250e3, 24e-3) == pytest.approx(173.7, abs=0.05)
    assert fom_schreier_db(103.5, 250e3, 24e-3) == pytest.approx(
        103.5 + 10 * math.log10(250e3 / 24e-3)
    )
    # on DR: 107.5 + 70.18 = 177.68 dB
    assert fom_schreier_db(107.5, 250e3, 24e-3) == pytest.approx(177.68, abs=0.01)


@pytest.mark.parametrize(
    "sndr_db, power_w, fsnyq_hz, foms_db, fomw_fj",
    [
        # ISSCC 2016 15.4 (Billa, Sukumaran, Pavan)
        (98.5, 0.00028, 48000.0, 177.83053210369388, 84.8075995100281),
        # ISSCC 2014 29.1 (Rajan, Pavan)
        (74.4, 0.005, 4000000.0, 160.42059991327963, 291.43927104877224),
    ],
)
def test_survey_rows(sndr_db, power_w, fsnyq_hz, foms_db, fomw_fj):
    bw = fsnyq_hz / 2
    assert fom_schreier_db(sndr_db, bw, power_w) == pytest.approx(foms_db, abs=1e-9)
    assert fom_walden_j(sndr_db, bw, power_w) == pytest.approx(fomw_fj * 1e-15, rel=1e-9)


def test_enob_and_errors():
    assert enob_bits(98.5) == pytest.approx((98.5 - 1.76) / 6.02)
    # 24 mW / (2^16.9 * 500 kHz)
    assert fom_walden_j(103.5, 250e3, 24e-3) == pytest.approx(
        24e-3 / (2 ** ((103.5 - 1.76) / 6.02) * 500e3)
    )
    with pytest.raises(ValueError):
        fom_schreier_db(100.0, 250e3, 0.0)
    with pytest.raises(ValueError):
        fom_walden_j(100.0, 0.0, 1e-3)
