"""Continuous-time loop filters: exact CT-to-DT mapping and CT realization of an NTF.

Conventions (those of the Delta-Sigma Toolbox):

* Time is normalised to the sampling period ``T = 1``; CT matrices are in units of ``1/T``.
* A CT loop filter is ``ABCDc = [[Ac, Bc], [Cc, Dc]]`` with inputs ``[u, v1, v2, ...]``:
  the modulator input ``u`` (a CT signal) and one column per feedback DAC driven by the
  quantizer output ``v``. Its output ``y`` is the quantizer input.
* Each DAC emits a rectangular pulse of unit height over ``[t1, t2]`` (fractions of a clock
  period after the sampling instant that produced ``v``). ``tdac2`` holds one ``[t1, t2]``
  row per input, ``[-1, -1]`` marking the CT input ``u``.
* The quantizer samples ``y`` just before the clock edge: ``y[n] = yc(n-)``. A DT equivalent
  is exact when its impulse response equals the CT loop's sampled pulse response.
* ``L1 = 1 - 1/NTF`` is the DT loop filter from ``v`` to ``y`` (sign included), so the CT
  loop's sampled pulse response must equal the impulse response of ``L1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal

from . import _checks as chk
from ._common import as_zpk
from ._ct_map import as_ss, ct_input_map, dac_maps, dac_timing, delay_states, l1_impulse
from ._ct_realize import (
    assemble,
    check_resonators,
    dac_layout,
    fit_coefficients,
    loop_structure,
    pair_zeros,
    prepare_ntf,
    pulse_matrix,
    scale_input,
)

__all__ = ["mapCtoD", "realizeNTF_ct", "ct_loop_response", "ntf_loop_response"]


# ----------------------------------------------------------------------------------------
# loop responses
# ----------------------------------------------------------------------------------------


def ntf_loop_response(ntf: Any, n: int) -> np.ndarray:
    """Impulse response of the DT loop filter ``L1 = 1 - 1/NTF`` (``n`` samples).

    This is the response from the quantizer output ``v`` to the quantizer input ``y``
    that any loop filter realizing ``ntf`` must have (``NTF = 1 / (1 - L1)``); the
    toolbox's ``impL1(ntf, n - 1)`` returns the same samples.

    Parameters
    ----------
    ntf : transfer function (see :func:`ctdsm.toolbox.as_zpk`)
        The NTF; it must have as many zeros as poles. With ``k = 1`` (``NTF(inf) = 1``)
        the first sample is 0, i.e. ``L1`` is strictly causal.
    n : int
        Number of samples (sample index 0 .. n-1).

    Returns
    -------
    ndarray, shape (n,)
    """
    n = chk.integer("ntf_loop_response", "n", n, 0)
    return l1_impulse(chk.transfer_function("ntf_loop_response", "ntf", ntf), n)


def ct_loop_response(ABCDc: ArrayLike, tdac2: ArrayLike, n: int) -> np.ndarray:
    """Sampled pulse response of a CT loop filter from ``v`` to ``y`` (``n`` samples).

    ``h[k] = yc(k-)`` when the quantizer output is a unit impulse ``v[0] = 1`` driving
    every feedback DAC (with its own pulse timing) at once, including any direct DAC
    paths to the quantizer. It is the impulse response of the DT equivalent ``L1``
    obtained with :func:`mapCtoD`; for a correct realization of an NTF it equals
    ``ntf_loop_response(ntf, n)``.

    Parameters
    ----------
    ABCDc : array_like, shape (nx + 1, nx + m)
        CT loop filter ``[[Ac, Bc], [Cc, Dc]]`` with inputs ``[u, v1, ..., v_{m-1}]``.
    tdac2 : array_like, shape (m, 2) or (2,)
        DAC timings, one ``[t1, t2]`` row per input, ``[-1, -1]`` for ``u`` (as returned
        by :func:`realizeNTF_ct`). A single row applies to every input but the first.
    n : int
        Number of samples (index 0 .. n-1).

    Returns
    -------
    ndarray, shape (n,)
    """
    n = chk.integer("ct_loop_response", "n", n, 0)
    ABCDc = chk.abcd("ct_loop_response", "ABCDc", ABCDc, min_states=1)
    chk.finite_array("ct_loop_response", "tdac2", tdac2, allow_empty=False)
    (Ad, Bd, Cd, Dd), _ = mapCtoD(ABCDc, tdac2)
    h = np.zeros(n)
    if n == 0:
        return h
    h[0] = Dd[0, -1]
    x = Bd[:, -1].copy()
    for k in range(1, n):
        h[k] = Cd[0] @ x
        x = Ad @ x
    return h


# ----------------------------------------------------------------------------------------
# mapCtoD
# ----------------------------------------------------------------------------------------


def mapCtoD(
    sys_c: Any, t: ArrayLike = (0, 1), f0: float = 0.0
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], signal.lti | None]:
    """Map a MIMO CT system with DAC-driven inputs to its exact SIMO DT equivalent.

    The DT system's impulse response from ``v`` equals the CT system's sampled pulse
    response: when the DT inputs are produced by DACs with rectangular pulses, the CT
    output sampled just before each clock edge, ``yc(n-)``, equals the DT output
    ``y[n]``. The clock period is split at the DAC edges and the CT state equation is
    integrated exactly over each piece with matrix exponentials; pulses that extend past
    the end of the period (``t2 > 1``, excess loop delay) are handled with extra states
    holding past values of ``v``.

    Parameters
    ----------
    sys_c : scipy.signal.lti, (A, B, C, D) tuple, or ABCD matrix
        The CT system, time normalised to the sampling period. An ABCD matrix has one
        output row ``[C, D]``.
    t : array_like, shape (2,) or (m, 2)
        DAC pulse edges ``[t1, t2]`` (0 <= t1 <= t2, in periods), one row per input;
        ``[-1, -1]`` marks a CT input (such as the modulator input ``u``). A single row
        is used for every input except the first, which is taken as CT. Default
        ``[0, 1]`` (NRZ, no delay).
    f0 : float
        Normalised frequency (cycles/sample) at which the DT feed-in of each CT input is
        matched to the CT one. At 0 (default) the CT input is treated as held over the
        period (``int_0^1 expm(A s) ds @ Bc``); otherwise each entry is the magnitude,
        with the sign of its real part, of ``int_0^1 expm((A - j 2 pi f0) s) ds @ Bc``,
        the gain of the toolbox's mixed CT/DT prefilter ``Gp`` at ``f0``.

    Returns
    -------
    sys_d : tuple of ndarray
        ``(A, B, C, D)`` of the DT equivalent. Its states are the CT states followed by
        ``K`` delayed copies ``v[n-1] .. v[n-K]`` of the quantizer output (``K = 0`` for
        DAC pulses within one period). Its inputs are the CT inputs (in order) followed
        by the single DT input ``v`` which drives every DAC.
    Gp : scipy.signal.lti or None
        The CT transfer function(s) from the CT input(s) to the output(s),
        ``Cc (sI - Ac)^-1 Bc_u + Dc_u`` as a :class:`scipy.signal.StateSpace`
        (``None`` if the system has no CT input). The signal transfer function of a CT
        modulator is ``STF(f) = Gp(j 2 pi f) * NTF(exp(j 2 pi f))``.

    Notes
    -----
    The toolbox returns ``Gp`` as an array of mixed CT/DT prefilters, one per state; here
    ``Gp`` is the plain CT path, usable with scipy. ``sys_d`` matches the toolbox's
    (same state ordering and ``B`` columns).

    References
    ----------
    R. Schreier and B. Zhang, "Delta-sigma modulators employing continuous-time
    circuitry," *IEEE Trans. Circuits Syst. I*, vol. 43, no. 4, pp. 324-332, 1996.
    S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
    2nd ed., Wiley-IEEE, 2017, ch. 8.
    """
    A, B, C, D = as_ss(sys_c)
    for part, mat in zip("ABCD", (A, B, C, D), strict=True):
        chk.finite_array("mapCtoD", f"sys_c ({part})", mat)
    f0 = chk.real_scalar("mapCtoD", "f0", f0)
    t_arr = np.asarray(t, dtype=float)
    chk.finite_array("mapCtoD", "t", t_arr)
    p, ni = D.shape
    tt = dac_timing(t, ni)
    is_ct = (tt[:, 0] == -1) & (tt[:, 1] == -1)
    dac = np.flatnonzero(~is_ct)
    n_delay = delay_states(tt, D, dac)
    Ad, bv, Cd = dac_maps(A, B, C, D, tt, dac, n_delay)
    ct_idx = np.flatnonzero(is_ct)
    B1 = ct_input_map(A, B[:, ct_idx], A.shape[0] + n_delay, f0)
    Bd = np.hstack([B1, bv[:, None]])
    Dd = np.hstack([D[:, ct_idx], np.zeros(p)[:, None]])
    Gp = signal.lti(A, B[:, ct_idx], C, D[:, ct_idx]) if ct_idx.size else None
    return (Ad, Bd, Cd, Dd), Gp


# ----------------------------------------------------------------------------------------
# realizeNTF_ct
# ----------------------------------------------------------------------------------------


def realizeNTF_ct(
    ntf: Any,
    form: str = "FB",
    tdac: Any = (0, 1),
    ordering: ArrayLike | None = None,
    bp: ArrayLike | None = None,
    ABCDc: ArrayLike | None = None,
    method: str = "LOOP",
) -> tuple[np.ndarray, np.ndarray]:
    """Realize an NTF with a continuous-time loop filter.

    The loop filter is a chain of integrators, with a resonator (local feedback ``-w^2``)
    for each pair of NTF zeros at ``exp(+-j w)``, so that its poles map onto the NTF zeros.
    Its free coefficients are found by matching the sampled pulse response of the CT loop
    (from ``v``, through the DAC pulses, to ``y``) to the impulse response of
    ``L1 = 1 - 1/NTF``: this is a linear least-squares problem, solved exactly.

    Parameters
    ----------
    ntf : transfer function (see :func:`ctdsm.toolbox.as_zpk`)
        The NTF, with as many zeros as poles and ``NTF(inf) = 1``. The zeros must lie on
        the unit circle (or be real, for the odd one) for an exact fit.
    form : {'FB', 'FF'}
        ``'FB'``: feedback form, one DAC into every integrator (the DAC coefficients
        ``Bc`` are solved for). ``'FF'``: feed-forward form, one DAC into the first
        integrator and a weighted sum of the integrator outputs (``Cc`` solved for).
    tdac : array_like or list
        DAC pulse timing ``[t1, t2]`` (periods; ``[0, 1]`` NRZ, ``[0, 0.5]`` RZ,
        ``[0.5, 1]`` HRZ, ``[td, 1 + td]`` NRZ with excess loop delay ``td``). When the
        pulse extends into the next period, direct feedback to the quantizer input
        compensates the delay: the DAC's own direct path if the pulse spans the sampling
        instant (``0 < t1 < 1 < t2 < 2``), otherwise extra DACs with timing
        ``[k - 0.5, k + 0.5]``, k = 1 .. ceil(t2) - 1, feeding the quantizer directly.
        For the FB form, ``tdac`` may instead be a list of ``order + 1`` entries (the
        toolbox's cell array), one per integrator and a last one for the direct path to
        the quantizer; each entry is ``[]`` (no DAC), ``[t1, t2]`` or a list of
        ``[t1, t2]`` rows (several DACs), e.g.
        ``[[1, 2], [1, 2], [[0.5, 1], [1, 1.5]], []]``.
    ordering : array_like of int, optional
        Which NTF zero pair (0-based, in the order the pairs appear in the NTF) sets the
        frequency of each resonator, first resonator first. Default ``range(order // 2)``.
    bp : array_like of {0, 1}, optional
        Per resonator: 1 if the next stage takes its input from the resonator's first
        integrator (bandpass section), 0 (default) from its second (lowpass section).
    ABCDc : array_like, optional
        Initial loop-filter structure; its ``Ac`` (and, for FB, ``Cc``) are kept and only
        the DAC/feed-forward coefficients are computed. Default: built from ``form``.
    method : {'LOOP', 'NTF'}
        ``'LOOP'`` (default) matches the loop-filter impulse response ``L1``; ``'NTF'``
        matches ``NTF * L1 = NTF - 1`` instead (the same solution when exact, weighted
        by the NTF when not).

    Returns
    -------
    ABCDc : ndarray, shape (order + 1, order + 1 + n_dac)
        The CT loop filter ``[[Ac, Bc], [Cc, Dc]]``; inputs ``[u, v-DACs...]``. ``Bc[:, 0]``
        feeds ``u`` into the first integrator, scaled for unity STF magnitude at the
        band centre ``f0``, estimated from the NTF zeros by the toolbox's rule (mean
        frequency of the zeros in the upper half plane, 0 when the zeros straddle DC;
        a 2nd-order lowpass NTF with one optimized pair thus gets its zero frequency).
        At ``f0 = 0`` the weight of ``u`` equals the net charge of the DACs feeding the
        first integrator.
    tdac2 : ndarray, shape (1 + n_dac, 2)
        DAC timings, first row ``[-1, -1]`` for ``u``, then one row per DAC column of
        ``ABCDc`` (including automatically added direct DACs).

    Warns
    -----
    RuntimeWarning
        If the pulse-response fit is poor (the structure cannot realize the NTF).

    Notes
    -----
    Zero-pair indices in ``ordering`` are 0-based (Python), the toolbox's are 1-based.

    References
    ----------
    S. Pavan, R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*,
    2nd ed., Wiley-IEEE, 2017, ch. 8 (impulse-invariant CT realization, excess loop
    delay compensation).
    R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley, 2005.
    """
    form = str(form).upper()
    method = str(method).upper()
    if form not in ("FB", "FF"):
        raise ValueError(f"realizeNTF_ct: form must be 'FB' or 'FF', got {form!r}")
    if method not in ("LOOP", "NTF"):
        raise ValueError(f"realizeNTF_ct: method must be 'LOOP' or 'NTF', got {method!r}")

    ntf_used = prepare_ntf(chk.finite_zpk("realizeNTF_ct", "ntf", as_zpk(ntf)))
    order = len(ntf_used.poles)
    real_zero, ws = pair_zeros(ntf_used.zeros, order % 2)
    order_arr, bp_arr = check_resonators(ordering, bp, order // 2)
    dacs = dac_layout(tdac, form, order)
    abcd = loop_structure(order, real_zero, ws, order_arr, bp_arr, ABCDc)
    Ac = abcd[:order, :order].copy()
    Cc = abcd[order : order + 1, :order].copy()

    yy = pulse_matrix(Ac, Cc, form, dacs, order)
    x = fit_coefficients(yy, ntf_used, method)
    Bc, Cc, Dc = assemble(x, form, dacs, order, Cc)
    scale_input(Bc, Ac, Cc, dacs.tdac2, ntf_used)
    return np.block([[Ac, Bc], [Cc, Dc]]), dacs.tdac2
