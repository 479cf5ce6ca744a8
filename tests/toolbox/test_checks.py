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

import ctdsm.toolbox as tb
from ctdsm.toolbox import (
    ZPK,
    calculateSNR,
    calculateTF,
    clans,
    ct_loop_response,
    dbm,
    ds_hann,
    ds_optzeros,
    evalTF,
    infnorm,
    mapABCD,
    mapCtoD,
    ntf_loop_response,
    partitionABCD,
    predictSNR,
    realizeNTF,
    realizeNTF_ct,
    rmsGain,
    scaleABCD,
    simulateDSM,
    simulateSNR,
    stuffABCD,
    synthesizeChebyshevNTF,
    synthesizeNTF,
    undbm,
)
from ctdsm.toolbox import _checks as chk

NTF3 = synthesizeNTF(3, 32)
#: A stable second-order CIFB modulator (single-bit).
ABCD2 = np.array([[1.0, 0, 1, -1], [1, 1, 0, -2], [0, 1, 0, 0]])
#: One integrator; inputs [u (CT), v (DAC)].
ABCD_CT = np.array([[0.0, 1, -1], [1, 0, 0]])
NAN_ZPK = (np.array([np.nan, 1, 1]), np.zeros(3), 1.0)
#: CRFB coefficients of a second-order modulator, and their ABCD.
CRFB2 = ([1.0, 1.0], [0.0], [1.0, 0.0, 1.0], [1.0, 1.0])
ABCD_CRFB2 = stuffABCD(*CRFB2)
T_CT = [[-1, -1], [0, 1]]


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
    # evalTF
    ("evaltf-z-nan", lambda: evalTF(NTF3, [1.0, np.nan]), "z", "must be finite"),
    ("evaltf-z-inf", lambda: evalTF(NTF3, np.inf), "z", "must be finite"),
    ("evaltf-z-str", lambda: evalTF(NTF3, "z"), "z", "must be numeric"),
    ("evaltf-tf-nan", lambda: evalTF(NAN_ZPK, 1.0), "tf", "non-finite zeros"),
    ("evaltf-tf-k-inf", lambda: evalTF(([0.5], [0.0], np.inf), 1.0), "tf", "non-finite gain"),
    # partitionABCD
    ("part-nan", lambda: partitionABCD(ABCD2 * np.nan), "ABCD", "must be finite"),
    ("part-empty", lambda: partitionABCD([]), "ABCD", "non-empty 2-D"),
    ("part-3d", lambda: partitionABCD(np.zeros((2, 2, 2))), "ABCD", "non-empty 2-D"),
    ("part-m-bool", lambda: partitionABCD(ABCD2, True), "m", "not a boolean"),
    ("part-m-neg", lambda: partitionABCD(ABCD2, -1), "m", "integer >= 0"),
    ("part-m-frac", lambda: partitionABCD(ABCD2, 1.5), "m", "must be an integer"),
    ("part-m-big", lambda: partitionABCD(ABCD2, 9), "m", "do not fit"),
    # rmsGain
    ("rms-f-reversed", lambda: rmsGain(NTF3, 0.1, 0.05), "f2", "must be > f1"),
    ("rms-f-equal", lambda: rmsGain(NTF3, 0.1, 0.1), "f2", "must be > f1"),
    ("rms-f1-nan", lambda: rmsGain(NTF3, np.nan, 0.1), "f1", "must be finite"),
    ("rms-f2-inf", lambda: rmsGain(NTF3, 0.0, np.inf), "f2", "must be finite"),
    ("rms-f1-bool", lambda: rmsGain(NTF3, False, 0.1), "f1", "not a boolean"),
    ("rms-N-0", lambda: rmsGain(NTF3, 0.0, 0.1, 0), "N", "integer >= 1"),
    ("rms-N-bool", lambda: rmsGain(NTF3, 0.0, 0.1, True), "N", "not a boolean"),
    ("rms-N-frac", lambda: rmsGain(NTF3, 0.0, 0.1, 2.5), "N", "must be an integer"),
    ("rms-N-nan", lambda: rmsGain(NTF3, 0.0, 0.1, np.nan), "N", "must be finite"),
    ("rms-H-nan", lambda: rmsGain(NAN_ZPK, 0.0, 0.1), "H", "non-finite zeros"),
    # synthesizeChebyshevNTF
    ("cheb-order-0", lambda: synthesizeChebyshevNTF(0), "order", "integer >= 1"),
    ("cheb-order-bool", lambda: synthesizeChebyshevNTF(True), "order", "not a boolean"),
    ("cheb-order-frac", lambda: synthesizeChebyshevNTF(2.5), "order", "must be an integer"),
    ("cheb-order-nan", lambda: synthesizeChebyshevNTF(np.nan), "order", "must be finite"),
    ("cheb-osr-0", lambda: synthesizeChebyshevNTF(3, 0), "OSR", "must be > 0"),
    ("cheb-osr-neg", lambda: synthesizeChebyshevNTF(3, -64), "OSR", "must be > 0"),
    ("cheb-osr-nan", lambda: synthesizeChebyshevNTF(3, np.nan), "OSR", "must be finite"),
    ("cheb-osr-inf", lambda: synthesizeChebyshevNTF(3, np.inf), "OSR", "must be finite"),
    ("cheb-hinf-nan", lambda: synthesizeChebyshevNTF(3, 64, 0, np.nan), "H_inf", "finite"),
    ("cheb-hinf-1", lambda: synthesizeChebyshevNTF(3, 64, 0, 1.0), "H_inf", "must be > 1"),
    ("cheb-f0-nan", lambda: synthesizeChebyshevNTF(4, 64, 0, 1.5, np.nan), "f0", "finite"),
    ("cheb-f0-big", lambda: synthesizeChebyshevNTF(4, 64, 0, 1.5, 0.6), "f0", "must be in"),
    # clans
    ("clans-order-0", lambda: clans(0), "order", "integer >= 1"),
    ("clans-order-bool", lambda: clans(True), "order", "not a boolean"),
    ("clans-order-nan", lambda: clans(np.nan), "order", "must be finite"),
    ("clans-osr-0", lambda: clans(4, 0), "OSR", "must be > 0"),
    ("clans-osr-nan", lambda: clans(4, np.nan), "OSR", "must be finite"),
    ("clans-q-0", lambda: clans(4, 64, 0), "Q", "must be > 0"),
    ("clans-q-inf", lambda: clans(4, 64, np.inf), "Q", "must be finite"),
    ("clans-rmax-0", lambda: clans(4, 64, 5, 0.0), "rmax", "must be in (0.0, 1.0)"),
    ("clans-rmax-1", lambda: clans(4, 64, 5, 1.0), "rmax", "must be in (0.0, 1.0)"),
    ("clans-rmax-nan", lambda: clans(4, 64, 5, np.nan), "rmax", "must be finite"),
    ("clans-opt-bool", lambda: clans(4, 64, 5, 0.95, True), "opt", "not a boolean"),
    ("clans-opt-7", lambda: clans(4, 64, 5, 0.95, 7), "opt", "must be 0-4"),
    # ds_optzeros
    ("optz-n-0", lambda: ds_optzeros(0), "n", "integer >= 1"),
    ("optz-n-bool", lambda: ds_optzeros(True), "n", "not a boolean"),
    ("optz-n-frac", lambda: ds_optzeros(2.5), "n", "must be an integer"),
    ("optz-opt-bool", lambda: ds_optzeros(3, True), "opt", "not a boolean"),
    ("optz-opt-3", lambda: ds_optzeros(3, 3), "opt", "must be 0, 1 or 2"),
    # stuffABCD
    ("stuff-a-empty", lambda: stuffABCD([], [], [1.0], []), "a", "must not be empty"),
    ("stuff-a-nan", lambda: stuffABCD([1, np.nan], [0], [1, 0, 1], [1, 1]), "a", "finite"),
    ("stuff-g-inf", lambda: stuffABCD([1, 1], [np.inf], [1, 0, 1], [1, 1]), "g", "finite"),
    ("stuff-b-nan", lambda: stuffABCD([1, 1], [0], [np.nan, 0, 1], [1, 1]), "b", "finite"),
    ("stuff-c-nan", lambda: stuffABCD([1, 1], [0], [1, 0, 1], [1, np.nan]), "c", "finite"),
    ("stuff-c-len", lambda: stuffABCD([1, 1], [0], [1, 0, 1], [1]), "c", "needs 2 entries"),
    ("stuff-b-len", lambda: stuffABCD([1, 1], [0], [1, 0], [1, 1]), "b", "needs 3 entries"),
    ("stuff-a-cplx", lambda: stuffABCD([1j, 1], [0], [1, 0, 1], [1, 1]), "a", "must be real"),
    ("stuff-a-str", lambda: stuffABCD(["x"], [], [1.0], [1.0]), "a", "must be numeric"),
    ("stuff-form", lambda: stuffABCD(*CRFB2, "XYZ"), "form", "must be one of"),
    ("stuff-form-none", lambda: stuffABCD(*CRFB2, None), "form", "must be one of"),
    # mapABCD
    ("map-nan", lambda: mapABCD(ABCD_CRFB2 * np.nan), "ABCD", "must be finite"),
    ("map-inf", lambda: mapABCD(np.where(ABCD_CRFB2 == 1, np.inf, 0)), "ABCD", "finite"),
    ("map-square", lambda: mapABCD(ABCD_CRFB2[:, :3]), "ABCD", "got shape (3, 3)"),
    ("map-wide", lambda: mapABCD(np.zeros((3, 5))), "ABCD", "got shape (3, 5)"),
    ("map-1d", lambda: mapABCD(np.ones(4)), "ABCD", "got shape (4,)"),
    ("map-empty", lambda: mapABCD([]), "ABCD", "got shape (0,)"),
    ("map-no-state", lambda: mapABCD([[1.0, -1.0]]), "ABCD", "n >= 1 states"),
    ("map-crffd-small", lambda: mapABCD(ABCD_CRFB2[1:, 1:], "CRFFD"), "ABCD", "n >= 2"),
    ("map-form", lambda: mapABCD(ABCD_CRFB2, "XYZ"), "form", "must be one of"),
    # calculateTF
    ("ctf-nan", lambda: calculateTF(ABCD2 * np.nan), "ABCD", "must be finite"),
    ("ctf-square", lambda: calculateTF(ABCD2[:, :3]), "ABCD", "got shape (3, 3)"),
    ("ctf-1d", lambda: calculateTF(np.ones(4)), "ABCD", "got shape (4,)"),
    ("ctf-empty", lambda: calculateTF(np.zeros((0, 0))), "ABCD", "got shape (0, 0)"),
    ("ctf-nq", lambda: calculateTF(ABCD2, [1.0] * 4), "ABCD", "(n + 4) x"),
    ("ctf-k-nan", lambda: calculateTF(ABCD2, np.nan), "k", "must be finite"),
    ("ctf-k-empty", lambda: calculateTF(ABCD2, []), "k", "must not be empty"),
    ("ctf-k-bool", lambda: calculateTF(ABCD2, True), "k", "real numbers"),
    # ntf_loop_response / ct_loop_response
    ("l1-n-neg", lambda: ntf_loop_response(NTF3, -1), "n", "integer >= 0"),
    ("l1-n-bool", lambda: ntf_loop_response(NTF3, True), "n", "not a boolean"),
    ("l1-n-nan", lambda: ntf_loop_response(NTF3, np.nan), "n", "must be finite"),
    ("l1-ntf-nan", lambda: ntf_loop_response(NAN_ZPK, 8), "ntf", "non-finite zeros"),
    ("ctl-n-neg", lambda: ct_loop_response(ABCD_CT, T_CT, -1), "n", "integer >= 0"),
    ("ctl-n-bool", lambda: ct_loop_response(ABCD_CT, T_CT, True), "n", "not a boolean"),
    ("ctl-abcd-nan", lambda: ct_loop_response(ABCD_CT * np.nan, T_CT, 8), "ABCDc", "finite"),
    ("ctl-abcd-shape", lambda: ct_loop_response(ABCD_CT[:, :2], T_CT, 8), "ABCDc", "shape"),
    ("ctl-t-nan", lambda: ct_loop_response(ABCD_CT, [[-1, -1], [0, np.nan]], 8), "tdac2", "fin"),
    ("ctl-t-empty", lambda: ct_loop_response(ABCD_CT, [], 8), "tdac2", "must not be empty"),
    # ds_hann, dbm, undbm
    ("hann-neg", lambda: ds_hann(-1), "n", "integer >= 0"),
    ("hann-bool", lambda: ds_hann(True), "n", "not a boolean"),
    ("hann-frac", lambda: ds_hann(8.5), "n", "must be an integer"),
    ("hann-nan", lambda: ds_hann(np.nan), "n", "must be finite"),
    ("dbm-r-0", lambda: dbm(1.0, 0), "r_ohm", "must be > 0"),
    ("dbm-r-nan", lambda: dbm(1.0, np.nan), "r_ohm", "must be finite"),
    ("undbm-r-neg", lambda: undbm(0.0, -50), "r_ohm", "must be > 0"),
    # realizeNTF / realizeNTF_ct: the remaining messages name the function too
    ("realize-form", lambda: realizeNTF(NTF3, "XYZ"), "form", "must be one of"),
    ("realize-no-poles", lambda: realizeNTF(ZPK(np.zeros(0), np.zeros(0), 1.0)), "ntf", "no poles"),
    ("realize-ct-form", lambda: realizeNTF_ct(NTF3, "XX"), "form", "must be 'FB' or 'FF'"),
    ("realize-ct-method", lambda: realizeNTF_ct(NTF3, method="X"), "method", "'LOOP'"),
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
    assert func in tb.__all__, msg
    assert msg.startswith(f"{func}: {arg} ") or msg.startswith(f"{func}: {arg} ("), msg
    assert reason in msg, msg


# --------------------------------------------------------------------------------------
# the helpers themselves
# --------------------------------------------------------------------------------------


def test_valid_calls_of_the_newly_checked_functions():
    # Edge values that stay valid: an empty set of points, an integral float count, a
    # NumPy integer, a zero-length window, an explicit number of inputs.
    assert evalTF(NTF3, np.zeros(0)).shape == (0,)
    assert evalTF(NTF3, 1.0) == 0.0
    assert rmsGain(NTF3, 0.0, 1 / 64, 10.0) > 0.0
    assert rmsGain(NTF3, -0.5, 0.5, np.int64(3)) > 0.0
    assert ds_optzeros(np.int64(3), 2.0).shape == (3,)
    assert ds_hann(0).shape == (0,)
    assert ds_hann(4.0).shape == (4,)
    A, B, C, D = partitionABCD(ABCD2, 2)
    assert A.shape == (2, 2) and B.shape == (2, 2) and C.shape == (1, 2) and D.shape == (1, 2)
    assert partitionABCD(ABCD2)[0].shape == (2, 2)
    a, g, b, c = mapABCD(ABCD_CRFB2)
    np.testing.assert_allclose(stuffABCD(a, g, b, c), ABCD_CRFB2)
    assert stuffABCD([1], None, 1, [1]).shape == (2, 3)
    ntf, stf = calculateTF(ABCD2, 1)
    assert len(ntf.zeros) == 2 and stf.k == pytest.approx(1.0)
    assert calculateTF(ABCD2, np.array([1.0]))[0].k == pytest.approx(1.0)
    assert ntf_loop_response(NTF3, 0).shape == (0,)
    assert ct_loop_response(ABCD_CT, T_CT, 4).shape == (4,)
    assert dbm(1.0) == pytest.approx(undbm(dbm(1.0)) * 0 + dbm(1.0))
    assert undbm(dbm(0.5)) == pytest.approx(0.5)


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
    assert chk.in_range("f", "x", 0.5, 0.0, 1.0, lo_open=True, hi_open=True) == 0.5
    assert chk.ordered_pair("f", "lo", "hi", 0, np.float32(0.5)) == (0.0, 0.5)
    assert chk.abcd("f", "x", ABCD2).shape == (3, 4)
    assert chk.abcd("f", "x", ABCD2, nu=1, min_states=2) is not None
    assert chk.transfer_function("f", "x", ([0.5], [0.0], 1)).k == 1.0


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
        (lambda: chk.in_range("f", "x", 0.0, 0.0, 1.0, lo_open=True), "(0.0, 1.0]"),
        (lambda: chk.ordered_pair("f", "lo", "x", 1.0, 1.0), "must be > lo"),
        (lambda: chk.ordered_pair("f", "x", "hi", np.inf, 1.0), "finite"),
        (lambda: chk.abcd("f", "x", ABCD2, nu=2), "(n + 1) x (n + 2 + 1)"),
        (lambda: chk.abcd("f", "x", ABCD2, min_states=3), "n >= 3 states"),
        (lambda: chk.abcd("f", "x", np.zeros((2, 3, 4))), "got shape (2, 3, 4)"),
        (lambda: chk.transfer_function("f", "x", ([0.5], [np.inf], 1)), "non-finite poles"),
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
