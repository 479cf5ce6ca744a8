"""The sampled-data kernel's charge of the same element, for the cross-check.

:func:`sampled_data_charge` runs :func:`ctdsm.sim.kernels.ct_kernel` itself on a dummy
plant, so that the circuit (:func:`ctdsm.sim.circuit.unit_error`) is compared with the
kernel's own DAC block and nothing of the kernel is re-coded here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ctdsm.errors import CtdsmError
from ctdsm.models.dac import DacPhysics, kernel_terms
from ctdsm.sim.circuit.elements import _element_mismatch
from ctdsm.sim.kernels import ct_kernel, pack_kernel_args


def kernel_dac_args(
    physics: DacPhysics, mismatch: dict[str, np.ndarray], fs_hz: float
) -> dict[str, Any]:
    """The first-DAC arguments of :func:`ctdsm.sim.kernels.ct_kernel` for ``physics``.

    The same quantities as ``ctdsm.sim.engine._dac_kernel_params`` computes for a design
    (``tests/sim/test_circuit.py`` checks that they agree), for any physics and mismatch.
    """
    return kernel_terms(physics, mismatch, fs_hz, int(np.shape(mismatch["delay_rise"])[0]))


def sampled_data_charge(
    physics: DacPhysics,
    data: np.ndarray,
    mismatch: dict[str, np.ndarray] | None = None,
    e: float | np.ndarray = 0.0,
    *,
    fs_hz: float,
    element: int = 0,
    s_init: float = -1.0,
) -> np.ndarray:
    """Charge per period of one unit element as the sampled-data kernel computes it.

    Runs :func:`ctdsm.sim.kernels.ct_kernel` itself, one period per call, on a two-state
    dummy plant: state 0 integrates the first DAC's charge (``Gamma = 1`` for the current
    data, ``g_on = 1`` for the edge charge), state 1 carries the virtual-ground voltage
    ``e[n]`` (set through a held input, read through ``e_row``); the quantizer input is the
    data itself (a held input with a direct term), so the kernel's own quantizer, element
    selection and DAC-physics block produce the charge. Nothing of the kernel is re-coded.

    Parameters
    ----------
    physics : DacPhysics
    data : array_like (N,)
        Element data, +-1.
    mismatch : dict, optional
        From :func:`ctdsm.models.dac.draw_mismatch` (default
        :func:`~ctdsm.sim.circuit.nominal_mismatch`).
    e : float or array_like (N,)
        The kernel's virtual-ground voltage at each period's sampling instant, V.
    fs_hz : float
    element : int
        Which element of ``mismatch``.
    s_init : float
        Data before the first period (the kernel's ``s_prev`` starts at -1).

    Returns
    -------
    ndarray (N,)
        Charge per period, unit x period (ideal: ``data``).
    """
    data = np.asarray(data, dtype=float).ravel()
    N = data.size
    ev = np.broadcast_to(np.asarray(e, dtype=float), (N,)).astype(float)
    dac = kernel_dac_args(physics, _element_mismatch(physics, mismatch, element, fs_hz), fs_hz)
    # A two-state dummy plant with one variant (no chopping): every array carries the
    # kernel's leading variant axis of length 1.
    z2 = np.zeros((1, 2))
    e0 = np.zeros(0)
    i0 = np.zeros(0, dtype=np.int8)
    gam = np.zeros((1, 2, 1, 1))
    gam[0, 0, 0, 0] = 1.0  # state 0 += the current data's pulse
    u_h = np.zeros((N, 2))
    u_h[:, 0] = data  # quantizer input = the data (direct term d_h[0] = 1)
    u_h[:-1, 1] = ev[1:]  # state 1 <- e of the next period
    u_h[-1, 1] = ev[-1]
    x = np.array([0.0, ev[0]])
    v = np.zeros(1)
    args = dict(
        Phi=np.array([[[1.0, 0.0], [0.0, 0.0]]]), Gam=gam, Dlag=np.zeros((1, 1)),
        C=np.zeros((2, 2)), d_u=0.0, amp=0.0, g_s=z2, g_c=z2, s0=0.0, c0=1.0, sw=0.0, cw=1.0,
        G_h=np.array([[[0.0, 0.0], [0.0, 1.0]]]), d_h=np.array([1.0, 0.0]),
        eta=np.zeros((0, 2)), y_ext=e0, levels=2, thr_off=np.zeros(1), hyst=0.0,
        cmp_noise=e0, unit_w=np.ones(1), dem=0, g_on=np.array([[1.0, 0.0]]), g_off=z2,
        off_next=False, nrz=True, isi_rise=0.0, isi_fall=0.0, dac_type=dac["type"],
        delay_rise=dac["rise"], delay_fall=dac["fall"], ref_packet=dac["packet"],
        ref_decay=dac["decay"], ref_window=dac["window"], ref_ke=dac["k_e"], c_vg=dac["c_vg"],
        c_fl=dac["c_fl"], t_on_mode=1, pr_x=np.zeros((0, 2)), pr_G=np.zeros((0, 1, 1)),
        pr_s=e0, pr_c=e0, pr_h=np.zeros((0, 2)),
        rto_lin=dac["rto_lin"], e_row=np.array([[0.0, 1.0], [0.0, 1.0]]), var=i0, cy=i0, c_var=z2,
        jit_on=e0, jit_off=e0, sat_idx=np.zeros(0, dtype=np.int64), sat_lim=np.inf,
        blowup=1e300, x=x, hist=np.zeros((1, 1)), ptr=np.zeros(1, dtype=np.int64),
        s_prev=np.array([float(s_init)]), cmp_prev=np.zeros(1), q_def=np.zeros(1),
        d0_prev=np.zeros(1), dac_st=np.zeros(3), e_out=e0, v=v, xmax=np.zeros(2),
        ymax=np.zeros(1),
    )  # fmt: skip
    out = np.empty(N)
    for n in range(N):
        x0 = x[0]
        ct_kernel(*pack_kernel_args(**args, u_h=u_h[n : n + 1]))
        if v[0] != data[n]:
            raise CtdsmError("data: the kernel's quantizer did not reproduce the data")
        out[n] = x[0] - x0
    return out
