"""Bad input to the toolbox functions is rejected with a ValueError naming the argument.

Each case below used to return garbage (``-1`` codes for a NaN input, ``inf`` SNR for an
empty spectrum, a truncated order) or to end in a raw ``ZeroDivisionError``; the shared
checks live in :mod:`ctdsm.toolbox._checks`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctdsm.toolbox import _checks as chk
from ctdsm.toolbox import (
    calculateSNR,
    infnorm,
    mapCtoD,
    predictSNR,
    realizeNTF,
    realizeNTF_ct,
    scaleABCD,
    simulateDSM,
    simulateSNR,
    synthesizeNTF,
)

NTF3 = synthesizeNTF(3, 32)
#: A stable second-order CIFB modulator (single-bit).
ABCD2 = np.array([[1.0, 0, 1, -1], [1, 1, 0, -2], [0, 1, 0, 0]])
#: One integrator; inputs [u (CT), v (DAC)].
ABCD_CT = np.array([[0.0, 1, -1], [1, 0, 0]])
NAN_ZPK = (np.array([np.nan, 1, 1]), np.zeros(3), 1.0)


def _snr_kw(**kw):
    return dict(dict(amp=[-10], k=8), **kw)


# (case id, call, the argument the message must name, start of the reason)
CASES = [
    ("dsm-u-nan", lambda: simulateDSM(np.full(8, np.nan), NTF3), "u", "must be finite"),
    ("dsm-u-inf", lambda: simulateDSM(np.array([0.1, np.inf]), NTF3), "u", "must be finite"),
    ("dsm-u-2d", lambda: simulateDSM(np.array([[0.1, -np.inf]]), ABCD2), "u", "must be finite"),
    ("dsm-x0-nan", lambda: simulateDSM(np.zeros(4), NTF3, 2, np.nan), "x0", "must be finite"),
    ("dsm-x0-vec", lambda: simulateDSM(np.zeros(4), ABCD2, 2, [0, np.inf]), "x0", "finite"),
    ("dsm-abcd-nan", lambda: simulateDSM(np.zeros(4), ABCD2 * np.nan), "ABCD", "must be"),
    ("dsm-ntf-nan", lambda: simulateDSM(np.zeros(4), NAN_ZPK), "ABCD", "non-finite"),
    ("dsm-nlev-1", lambda: simulateDSM(np.zeros(4), NTF3, 1), "nlev", "must be >= 2"),
    ("dsm-nlev-frac", lambda: simulateDSM(np.zeros(4), NTF3, 2.5), "nlev", "integers"),
    ("snr-empty", lambda: calculateSNR([], 0), "hwfft", "is empty"),
    ("snr-f-out", lambda: calculateSNR(np.ones(10), 20), "f", "= 20 is outside"),
    ("snr-f-neg", lambda: calculateSNR(np.ones(10), -5), "f", "must be an integer >= 0"),
    ("snr-f-nan", lambda: calculateSNR(np.ones(10), np.nan), "f", "must be finite"),
    ("snr-nan", lambda: calculateSNR([1.0, np.nan, 1.0], 0), "hwfft", "must be finite"),
    ("snr-nsig", lambda: calculateSNR(np.ones(10), 3, -1), "nsig", "must be an integer"),
    ("ssnr-osr-0", lambda: simulateSNR(NTF3, 0, **_snr_kw()), "osr", "must be > 0"),
    ("ssnr-osr-neg", lambda: simulateSNR(NTF3, -8, **_snr_kw()), "osr", "must be > 0"),
    ("ssnr-osr-nan", lambda: simulateSNR(NTF3, np.nan, **_snr_kw()), "osr", "must be finite"),
    ("ssnr-osr-inf", lambda: simulateSNR(NTF3, np.inf, **_snr_kw()), "osr", "must be finite"),
    ("ssnr-f0", lambda: simulateSNR(NTF3, 32, **_snr_kw(f0=0.7)), "f0", "must be in"),
    ("ssnr-f0-neg", lambda: simulateSNR(NTF3, 32, **_snr_kw(f0=-0.1)), "f0", "must be in"),
    ("ssnr-nlev-1", lambda: simulateSNR(NTF3, 32, **_snr_kw(nlev=1)), "nlev", ">= 2"),
    ("ssnr-nlev-bool", lambda: simulateSNR(NTF3, 32, **_snr_kw(nlev=True)), "nlev", "not"),
    ("ssnr-k-0", lambda: simulateSNR(NTF3, 32, amp=[-10], k=0), "k", "must be an integer"),
    ("ssnr-k-bool", lambda: simulateSNR(NTF3, 32, amp=[-10], k=True), "k", "not a boolean"),
    ("ssnr-f-0", lambda: simulateSNR(NTF3, 32, **_snr_kw(f=0.0)), "f", "must be > 0"),
    ("ssnr-f-nan", lambda: simulateSNR(NTF3, 32, **_snr_kw(f=np.nan)), "f", "must be finite"),
    ("ssnr-amp", lambda: simulateSNR(NTF3, 32, amp=[np.nan], k=8), "amp", "must be finite"),
    ("ntf-order-bool", lambda: synthesizeNTF(True, 32), "order", "not a boolean"),
    ("ntf-order-frac", lambda: synthesizeNTF(2.5, 32), "order", "must be an integer"),
    ("ntf-order-0", lambda: synthesizeNTF(0, 32), "order", "must be an integer >= 1"),
    ("ntf-order-nan", lambda: synthesizeNTF(np.nan, 32), "order", "must be finite"),
    ("ntf-osr-0", lambda: synthesizeNTF(3, 0), "osr", "must be > 0"),
    ("ntf-osr-inf", lambda: synthesizeNTF(3, np.inf), "osr", "must be finite"),
    ("ntf-osr-nan", lambda: synthesizeNTF(3, np.nan), "osr", "must be finite"),
    ("ntf-hinf-1", lambda: synthesizeNTF(3, 32, 0, 1.0), "H_inf", "must be > 1"),
    ("ntf-hinf-inf", lambda: synthesizeNTF(3, 32, 0, np.inf), "H_inf", "must be finite"),
    ("ntf-f0-nan", lambda: synthesizeNTF(4, 32, 0, 1.5, np.nan), "f0", "must be finite"),
    ("ntf-f0-big", lambda: synthesizeNTF(4, 32, 0, 1.5, 0.6), "f0", "must be in"),
    ("ntf-opt-bool", lambda: synthesizeNTF(3, 32, True), "opt", "must be 0-4"),
    ("ntf-opt-nan", lambda: synthesizeNTF(2, 32, [np.nan, 1]), "opt", "must be finite"),
    ("psnr-R-0", lambda: predictSNR(NTF3, 0, [-10]), "R", "must be > 0"),
    ("psnr-R-nan", lambda: predictSNR(NTF3, np.nan, [-10]), "R", "must be finite"),
    ("psnr-f0-nan", lambda: predictSNR(NTF3, 32, [-10], np.nan), "f0", "must be finite"),
    ("psnr-amp", lambda: predictSNR(NTF3, 32, [np.inf]), "amp", "must be finite"),
    ("psnr-ntf", lambda: predictSNR(NAN_ZPK, 32, [-10]), "ntf", "non-finite"),
    ("realize-ntf", lambda: realizeNTF(NAN_ZPK), "ntf", "non-finite zeros"),
    ("realize-ct-ntf", lambda: realizeNTF_ct(NAN_ZPK), "ntf", "non-finite zeros"),
    ("ctod-f0", lambda: mapCtoD(ABCD_CT, [[-1, -1], [0, 1]], np.nan), "f0", "must be finite"),
    ("ctod-t", lambda: mapCtoD(ABCD_CT, [[-1, -1], [np.nan, 1]]), "t", "must be finite"),
    ("ctod-sys", lambda: mapCtoD(ABCD_CT * np.inf, [[-1, -1], [0, 1]]), "sys_c", "must be"),
    ("scale-nlev-1", lambda: scaleABCD(ABCD2, 1, N_sim=1000), "nlev", ">= 2"),
    ("scale-nlev-bool", lambda: scaleABCD(ABCD2, True, N_sim=1000), "nlev", "not a boolean"),
    ("scale-nsim-0", lambda: scaleABCD(ABCD2, 2, N_sim=0), "N_sim", "integer >= 1"),
    ("scale-n0-0", lambda: scaleABCD(ABCD2, 2, N_sim=1000, N0=0), "N0", "integer >= 1"),
    ("scale-f-nan", lambda: scaleABCD(ABCD2, 2, np.nan, N_sim=1000), "f", "must be finite"),
    ("scale-xlim-0", lambda: scaleABCD(ABCD2, 2, xlim=0, N_sim=1000), "xlim", "finite and > 0"),
    ("scale-ymax-neg", lambda: scaleABCD(ABCD2, 2, ymax=-1, N_sim=1000), "ymax", "must be > 0"),
    ("scale-umax-nan", lambda: scaleABCD(ABCD2, 2, umax=np.nan, N_sim=1000), "umax", "finite"),
    ("scale-abcd-nan", lambda: scaleABCD(ABCD2 * np.nan, 2, N_sim=1000), "ABCD", "finite"),
    ("infnorm-nan", lambda: infnorm(([np.nan], [0.5], 1)), "H", "non-finite zeros"),
    ("infnorm-k-inf", lambda: infnorm(([0.0], [0.5], np.inf)), "H", "non-finite gain"),
]


@pytest.mark.parametrize(
    ("call", "arg", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_raises_value_error_naming_the_argument(call, arg, reason):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as info:
            call()
    msg = str(info.value)
    func = msg.split(":", 1)[0]
    assert func in {
        "simulateDSM",
        "calculateSNR",
        "simulateSNR",
        "synthesizeNTF",
        "predictSNR",
        "realizeNTF",
        "realizeNTF_ct",
        "mapCtoD",
        "scaleABCD",
        "infnorm",
    }, msg
    assert msg.startswith(f"{func}: {arg} ") or msg.startswith(f"{func}: {arg} ("), msg
    assert reason in msg, msg


# --------------------------------------------------------------------------------------
# the helpers themselves
# --------------------------------------------------------------------------------------


def test_helpers_accept_and_convert_valid_values():
    assert chk.real_scalar("f", "x", np.float32(0.5)) == 0.5
    assert chk.real_scalar("f", "x", np.array([2.0])) == 2.0
    assert chk.positive("f", "x", 3) == 3.0
    assert chk.in_range("f", "x", 0.5, 0.0, 0.5) == 0.5
    assert chk.integer("f", "x", 1e5, 1) == 100000
    assert chk.integer("f", "x", np.int64(7)) == 7
    np.testing.assert_array_equal(chk.integer_array("f", "x", [2, 3.0], 2), [2, 3])
    a = np.arange(3.0)
    assert chk.finite_array("f", "x", a) is a


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: chk.real_scalar("f", "x", "3"), "real number"),
        (lambda: chk.real_scalar("f", "x", [1.0, 2.0]), "real number"),
        (lambda: chk.real_scalar("f", "x", np.bool_(True)), "boolean"),
        (lambda: chk.in_range("f", "x", 0.5, 0.0, 0.5, hi_open=True), "[0.0, 0.5)"),
        (lambda: chk.integer("f", "x", np.inf), "finite"),
        (lambda: chk.integer_array("f", "x", []), "empty"),
        (lambda: chk.integer_array("f", "x", [True]), "booleans"),
        (lambda: chk.integer_array("f", "x", ["a"]), "integers"),
        (lambda: chk.finite_array("f", "x", ["a"]), "numeric"),
        (lambda: chk.finite_array("f", "x", [], allow_empty=False), "empty"),
        (lambda: chk.finite_array("f", "x", [[0, 1], [np.nan, 0]]), "index [1, 0]"),
    ],
)
def test_helpers_reject(call, reason):
    with pytest.raises(ValueError, match=r"^f: x ") as info:
        call()
    assert reason in str(info.value)


def test_simulate_snr_keeps_out_of_band_tone_behaviour():
    # The tone outside the band only warns, as in the toolbox; the SNR check of
    # calculateSNR is not applied to simulateSNR's own (valid) bins.
    with pytest.warns(UserWarning, match="out-of-band"):
        snr, _ = simulateSNR(NTF3, 32, [-10], 0, 2, 0.2, 10)
    assert snr.shape == (1,)


# --------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------

_valid_osr = st.floats(min_value=4.0, max_value=128.0, allow_nan=False)
_valid_order = st.integers(min_value=1, max_value=6)
_bad_float = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, -64.0])


@settings(max_examples=50, deadline=None)
@given(order=_valid_order, osr=_valid_osr)
def test_valid_order_and_osr_do_not_raise(order, osr):
    ntf = synthesizeNTF(order, osr)
    assert len(ntf.zeros) == order
    snr = predictSNR(ntf, osr, [-20])[0]
    assert snr.shape == (1,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snr, _ = simulateSNR(ntf, osr, [-20], k=9)
    assert np.isfinite(snr).all()


@settings(max_examples=50, deadline=None)
@given(order=_valid_order, bad=_bad_float, which=st.sampled_from(["synth", "sim", "pred"]))
def test_bad_osr_raises_naming_it(order, bad, which):
    with pytest.raises(ValueError, match=r"^\w+: (osr|R) must be"):
        if which == "synth":
            synthesizeNTF(order, bad)
        elif which == "sim":
            simulateSNR(NTF3, bad, [-10], k=8)
        else:
            predictSNR(NTF3, bad, [-10])


@settings(max_examples=50, deadline=None)
@given(
    bad=st.one_of(
        st.sampled_from([math.nan, math.inf, -math.inf, True, False]),
        st.integers(max_value=0),
        st.floats(min_value=0.01, max_value=50.0).filter(lambda x: x != int(x)),
    ),
    osr=_valid_osr,
)
def test_bad_order_raises_naming_it(bad, osr):
    with pytest.raises(ValueError, match=r"^synthesizeNTF: order must be"):
        synthesizeNTF(bad, osr)
