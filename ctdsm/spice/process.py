"""Process models for the ngspice tier: the embedded generic 180 nm card and real PDKs.

Two process choices (``spec.process.pdk``):

``generic180`` (default)
    An embedded BSIM3v3.3 (``level=49``, ``version=3.3``) model card for a **generic 180 nm,
    1.8 V** CMOS process, written for this project. Its parameter values are
    **representative** of the node (4.1 nm gate oxide, ``|VT|`` about 0.45 V); they are not
    taken from, and do not describe, any foundry's process. They are chosen so that a
    long-channel switch in deep triode at ``VGS = 1.8 V`` has the conductance of the
    square-law numbers the behavioral models use (:data:`ctdsm.models.dac.MU_N_COX`,
    :data:`ctdsm.models.dac.MU_P_COX`, :data:`ctdsm.models.dac.VT_V`), within about 10 %: the
    behavioral and transistor tiers then describe the same switches. Devices ``nch_g180`` /
    ``pch_g180``, minimum L 0.18 um. Corners shift the mobility (``u0``) and the threshold
    (``vth0``) by the representative amounts in :data:`GENERIC_CORNERS`.
``gf180mcu``
    The open-source GlobalFoundries 180 nm MCU PDK (gf180mcu_fd_pr ngspice models), found
    through ``$PDK_ROOT`` as open_pdks installs it
    (``$PDK_ROOT/gf180mcuD/libs.tech/ngspice/sm141064.ngspice``). Devices ``nfet_03v3`` /
    ``pfet_03v3`` (3.3 V devices, minimum L 0.28 um); the corners are the PDK's own ``.lib``
    sections. Its models want ngspice's HSPICE compatibility mode, ``set ngbehavior=hsa``,
    which ngspice only honours before the netlist is parsed (``.spiceinit`` in the working
    directory): see :func:`spiceinit_lines`; :func:`ctdsm.spice.run_ngspice` writes it.

The PDK files are never copied into the project; the netlist lines returned by
:func:`model_lines` reference them by absolute path (ngspice 39 does not expand environment
variables in ``.include``/``.lib``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from ctdsm.errors import SpecError
from ctdsm.models.dac.physics import MU_N_COX, MU_P_COX, VT_V

__all__ = [
    "PDKS",
    "CORNERS",
    "SwitchFit",
    "DeviceSet",
    "DEVICES",
    "GENERIC_CORNERS",
    "devices",
    "generic180_card",
    "model_lines",
    "spiceinit_lines",
    "resolve_pdk_root",
    "gf180mcu_paths",
]

PDKS = ("generic180", "gf180mcu")
CORNERS = ("typical", "ff", "ss", "fs", "sf")


@dataclass(frozen=True)
class SwitchFit:
    """Triode conductance of a minimum-length switch, for the first DAC's switch sizing and
    the series-resistance trim of its unit resistors (:mod:`ctdsm.spice.netlist.dacs`).

    ``G = k (W/L) V_ov / (1 + theta V_ov)`` at small ``V_DS``, with ``V_ov = V_GS - V_T -
    gamma (sqrt(2 phi_F + V_SB) - sqrt(2 phi_F))``: the square law with the body effect and
    the mobility degradation ``theta`` that a short, thick-oxide device shows.

    Attributes
    ----------
    k_a_per_v2 : float
        ``mu Cox``, A/V^2.
    vt_v : float
        Threshold magnitude at ``V_SB = 0``, V.
    gamma_sqrt_v : float
        Body-effect coefficient, sqrt(V).
    theta_per_v : float
        Mobility degradation, 1/V (0: the plain square law).
    phi_2f_v : float
        Surface potential ``2 phi_F``, V.
    """

    k_a_per_v2: float
    vt_v: float
    gamma_sqrt_v: float
    theta_per_v: float = 0.0
    phi_2f_v: float = 0.8

    def vt(self, v_sb: float) -> float:
        """Threshold magnitude at source-bulk voltage ``v_sb``, V."""
        phi = self.phi_2f_v
        return self.vt_v + self.gamma_sqrt_v * (math.sqrt(phi + v_sb) - math.sqrt(phi))

    def effective_overdrive_v(self, v_ov: float) -> float:
        """``G / (k W/L)`` at overdrive ``v_ov``: ``v_ov / (1 + theta v_ov)``, V."""
        return v_ov / (1.0 + self.theta_per_v * v_ov)


#: The generic card's switches: the behavioral models' square-law constants, for which the
#: embedded card was written (module doc), with the card's K1 as the body effect.
GENERIC180_SWITCH_N = SwitchFit(MU_N_COX, VT_V, 0.57)
GENERIC180_SWITCH_P = SwitchFit(MU_P_COX, VT_V, 0.57)
#: nfet_03v3 / pfet_03v3 at L = 0.28 um (typical, 27 degC), fitted to the card's triode
#: conductance (W 10 um, V_DS 10 mV; V_T held at the long wide bins' vth0, 0.65 / 0.77 V):
#: NMOS gate at 3.3 V, source 0-1.8 V; PMOS gate at 0, source 1.6-3.3 V; within 0.3 %. The
#: long-channel constants (173 / 48 uA/V^2, no theta) put the NMOS at 2.6x the card's
#: conductance at V_S = 0, the generic ones at 4.8x (the 3.3 V single-bit DAC was 17 % short).
GF180MCU_SWITCH_N = SwitchFit(160e-6, 0.65, 0.395, 0.517)
GF180MCU_SWITCH_P = SwitchFit(38.1e-6, 0.77, 0.52, 0.208)


@dataclass(frozen=True)
class DeviceSet:
    """The MOS devices a netlist instantiates for one PDK.

    Attributes
    ----------
    pdk : str
        PDK name (one of :data:`PDKS`).
    nmos, pmos : str
        Model names used on ``M`` lines.
    l_min_m : float
        Minimum drawn channel length, m.
    vdd_max_v : float
        Nominal (maximum) supply of these devices, V.
    needs_hsa : bool
        Whether the models need ``set ngbehavior=hsa`` (see :func:`spiceinit_lines`).
    switch_n, switch_p : SwitchFit
        The devices' triode conductance at minimum length (switch sizing and trims).
    """

    pdk: str
    nmos: str
    pmos: str
    l_min_m: float
    vdd_max_v: float
    needs_hsa: bool
    switch_n: SwitchFit
    switch_p: SwitchFit


DEVICES: dict[str, DeviceSet] = {
    "generic180": DeviceSet(
        "generic180",
        "nch_g180",
        "pch_g180",
        0.18e-6,
        1.8,
        False,
        switch_n=GENERIC180_SWITCH_N,
        switch_p=GENERIC180_SWITCH_P,
    ),
    "gf180mcu": DeviceSet(
        "gf180mcu",
        "nfet_03v3",
        "pfet_03v3",
        0.28e-6,
        3.3,
        True,
        switch_n=GF180MCU_SWITCH_N,
        switch_p=GF180MCU_SWITCH_P,
    ),
}

# Representative generic-180 corner shifts: (mobility factor on u0, |VT| shift in V), for
# the NMOS and the PMOS. "f" = fast (mobility +10 %, |VT| -40 mV), "s" = slow (mobility
# -10 %, |VT| +40 mV); the first letter is the NMOS, the second the PMOS.
_FAST = (1.10, -0.04)
_SLOW = (0.90, +0.04)
_TYP = (1.0, 0.0)
GENERIC_CORNERS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "typical": (_TYP, _TYP),
    "ff": (_FAST, _FAST),
    "ss": (_SLOW, _SLOW),
    "fs": (_FAST, _SLOW),
    "sf": (_SLOW, _FAST),
}

# --- the generic 180 nm 1.8 V BSIM3v3.3 card (representative values, no foundry's) --------
# Shared process parameters (SI units as BSIM3 takes them: m, cm^-3 for nch, F/m^2 ...).
_COMMON: dict[str, float | int | str] = {
    "level": 49,
    "version": 3.3,
    "mobmod": 1,
    # Charge model 2 (smooth, no charge-thickness correction): the 180 nm cards' usual choice,
    # and 16 % faster in the closed-loop netlists than capmod 3 (docs/spice.md).
    "capmod": 2,
    "nqsmod": 0,
    "noimod": 1,
    "binunit": 1,
    "tnom": 27,
    "tox": 4.1e-9,  # m, gate oxide (Cox = 8.4 fF/um^2)
    "toxm": 4.1e-9,
    "xj": 1.0e-7,  # m, junction depth
    "wint": 5.0e-9,  # m
    "dwg": 0.0,
    "dwb": 0.0,
    "xl": 0.0,
    "xw": 0.0,
    "a0": 1.5,
    "ags": 0.3,
    "b0": 0.0,
    "b1": 0.0,
    "keta": -0.01,
    "a1": 0.0,
    "a2": 1.0,
    "w0": 1.0e-7,
    "dvt0w": 0.0,
    "dvt1w": 0.0,
    "dvt2w": 0.0,
    "nlx": 1.5e-7,
    "k3": 0.0,
    "k3b": 0.0,
    "eta0": 0.01,
    "etab": -0.02,
    "dsub": 0.5,
    "cit": 0.0,
    "cdsc": 2.4e-4,
    "cdscb": 0.0,
    "cdscd": 0.0,
    "pclm": 1.2,
    "pdiblc1": 0.2,
    "pdiblc2": 3.0e-3,
    "pdiblcb": -0.1,
    "drout": 0.56,
    "pscbe1": 4.0e8,
    "pscbe2": 1.0e-5,
    "pvag": 0.0,
    "delta": 0.01,
    "prwg": 0.0,
    "prwb": 0.0,
    "wr": 1.0,
    "alpha0": 0.0,
    "beta0": 30.0,
    "elm": 5.0,
    "xpart": 0.5,
    "dlc": 1.0e-8,  # m
    "cgsl": 0.0,
    "cgdl": 0.0,
    "ckappa": 0.6,
    "cf": 0.0,
    "clc": 1.0e-7,
    "cle": 0.6,
    "mj": 0.40,
    "mjsw": 0.30,
    "mjswg": 0.30,
    "cjswg": 3.0e-10,  # F/m, gate-edge sidewall
    "js": 1.0e-6,  # A/m^2
    "jsw": 1.0e-12,  # A/m
    "nj": 1.0,
    "xti": 3.0,
    "kt1l": 0.0,
    "kt2": 0.022,
    "ute": -1.5,
    "ua1": 4.3e-9,
    "ub1": -7.6e-18,
    "uc1": -5.6e-11,
    "at": 3.3e4,
    "af": 1.0,
}

# Device-specific parameters. u0 in cm^2/Vs; vth0 in V; rdsw in ohm um; cj in F/m^2;
# cgso/cgdo/cgbo in F/m; kf (flicker) in SPICE2 units (noimod=1).
_NMOS: dict[str, float | int | str] = {
    "vth0": 0.45,
    "k1": 0.58,
    "k2": 0.0,
    "nch": 2.3e17,
    "dvt0": 1.2,
    "dvt1": 0.45,
    "dvt2": -0.03,
    "u0": 430.0,
    "ua": -6.0e-10,
    "ub": 1.6e-18,
    "uc": 4.0e-11,
    "vsat": 1.0e5,
    "rdsw": 60.0,
    "lint": 1.5e-8,
    "nfactor": 1.1,
    "voff": -0.09,
    "kt1": -0.22,
    "cgso": 3.5e-10,
    "cgdo": 3.5e-10,
    "cgbo": 1.0e-12,
    "cj": 9.5e-4,
    "cjsw": 2.5e-10,
    "pb": 0.8,
    "pbsw": 0.8,
    "pbswg": 0.8,
    "kf": 5.0e-27,
}
_PMOS: dict[str, float | int | str] = {
    "vth0": -0.45,
    "k1": 0.55,
    "k2": 0.01,
    "nch": 4.0e17,
    "dvt0": 0.9,
    "dvt1": 0.5,
    "dvt2": -0.05,
    "u0": 113.0,
    "ua": 1.0e-10,
    "ub": 1.0e-18,
    "uc": -1.0e-10,
    "vsat": 8.0e4,
    "rdsw": 180.0,
    "lint": 1.5e-8,
    "nfactor": 1.2,
    "voff": -0.10,
    "kt1": -0.25,
    "cgso": 3.0e-10,
    "cgdo": 3.0e-10,
    "cgbo": 1.0e-12,
    "cj": 1.1e-3,
    "cjsw": 2.2e-10,
    "pb": 0.85,
    "pbsw": 0.85,
    "pbswg": 0.85,
    "kf": 1.0e-28,
}


def _check(pdk: str, corner: str) -> None:
    if pdk not in PDKS:
        raise SpecError("process.pdk", f"unknown PDK {pdk!r}; one of {', '.join(PDKS)}")
    if corner not in CORNERS:
        raise SpecError("process.corner", f"unknown corner {corner!r}; one of {', '.join(CORNERS)}")


def devices(pdk: str = "generic180") -> DeviceSet:
    """The device names and limits of ``pdk``.

    Parameters
    ----------
    pdk : {"generic180", "gf180mcu"}

    Returns
    -------
    DeviceSet
    """
    _check(pdk, "typical")
    return DEVICES[pdk]


def _fmt(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def _model(name: str, kind: str, params: dict[str, float | int | str]) -> list[str]:
    items = [f"{k}={_fmt(v)}" for k, v in params.items()]
    lines = [f".model {name} {kind}"]
    for i in range(0, len(items), 6):
        lines.append("+ " + " ".join(items[i : i + 6]))
    return lines


def generic180_card(corner: str = "typical") -> list[str]:
    """The embedded generic 180 nm 1.8 V BSIM3v3.3 model card, as netlist lines.

    The values are representative of a 180 nm 1.8 V process and were written for ctdsm; they
    are not any foundry's. Corners scale ``u0`` and shift ``|vth0|`` as listed in
    :data:`GENERIC_CORNERS`.

    Parameters
    ----------
    corner : {"typical", "ff", "ss", "fs", "sf"}
        Process corner; the first letter is the NMOS, the second the PMOS.

    Returns
    -------
    list of str
        Comment header and two ``.model`` cards (``nch_g180``, ``pch_g180``).
    """
    _check("generic180", corner)
    (mu_n, dvt_n), (mu_p, dvt_p) = GENERIC_CORNERS[corner]
    nmos = {**_COMMON, **_NMOS}
    pmos = {**_COMMON, **_PMOS}
    nmos["u0"] = float(_NMOS["u0"]) * mu_n
    nmos["vth0"] = float(_NMOS["vth0"]) + dvt_n
    pmos["u0"] = float(_PMOS["u0"]) * mu_p
    pmos["vth0"] = float(_PMOS["vth0"]) - dvt_p
    dev = DEVICES["generic180"]
    lines = [
        f"* ctdsm generic 180 nm 1.8 V BSIM3v3.3 models, corner {corner}.",
        "* REPRESENTATIVE values written for ctdsm; not from any foundry, not for tape-out.",
    ]
    lines += _model(dev.nmos, "nmos", nmos)
    lines += _model(dev.pmos, "pmos", pmos)
    return lines


def resolve_pdk_root(pdk_root: str | os.PathLike[str] | None = None) -> Path:
    """The PDK root directory: ``pdk_root`` if given, else ``$PDK_ROOT``.

    Parameters
    ----------
    pdk_root : path-like, optional
        Overrides the environment variable.

    Returns
    -------
    pathlib.Path
        Absolute path of an existing directory.

    Raises
    ------
    SpecError
        (field ``process.pdk``) when neither is set or the directory does not exist.
    """
    raw = pdk_root if pdk_root is not None else os.environ.get("PDK_ROOT")
    if not raw:
        raise SpecError(
            "process.pdk",
            "gf180mcu needs PDK_ROOT set to the directory holding gf180mcuD/ "
            "(e.g. PDK_ROOT=../shared/pdk)",
        )
    root = Path(raw).expanduser().resolve()
    if not root.is_dir():
        raise SpecError("process.pdk", f"PDK_ROOT={raw} is not a directory")
    return root


def gf180mcu_paths(pdk_root: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """Absolute paths of the GF180MCU ``design.ngspice`` and ``sm141064.ngspice`` files.

    Parameters
    ----------
    pdk_root : path-like, optional
        Overrides ``$PDK_ROOT``.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        ``design.ngspice`` (global switches) and ``sm141064.ngspice`` (models with corners).

    Raises
    ------
    SpecError
        (field ``process.pdk``) when ``PDK_ROOT`` is missing or lacks the files.
    """
    root = resolve_pdk_root(pdk_root)
    base = root / "gf180mcuD" / "libs.tech" / "ngspice"
    design, models = base / "design.ngspice", base / "sm141064.ngspice"
    for path in (design, models):
        if not path.is_file():
            raise SpecError("process.pdk", f"PDK_ROOT={root} has no {path.relative_to(root)}")
    return design, models


def model_lines(
    pdk: str = "generic180",
    corner: str = "typical",
    *,
    pdk_root: str | os.PathLike[str] | None = None,
) -> list[str]:
    """Netlist lines that load the MOS models of ``pdk`` at ``corner``.

    Parameters
    ----------
    pdk : {"generic180", "gf180mcu"}
        ``generic180``: the embedded card (no files needed). ``gf180mcu``: ``.include`` and
        ``.lib`` lines with absolute paths under ``$PDK_ROOT`` (or ``pdk_root``).
    corner : {"typical", "ff", "ss", "fs", "sf"}
        Process corner.
    pdk_root : path-like, optional
        Overrides ``$PDK_ROOT`` (gf180mcu only).

    Returns
    -------
    list of str
        Lines to place in the netlist body (before the devices that use them). For gf180mcu
        also put :func:`spiceinit_lines` in the run directory's ``.spiceinit``.

    Raises
    ------
    SpecError
        Unknown PDK/corner (``process.pdk``/``process.corner``); gf180mcu with ``PDK_ROOT``
        unset or not holding the PDK (``process.pdk``).
    """
    _check(pdk, corner)
    if pdk == "generic180":
        return generic180_card(corner)
    design, models = gf180mcu_paths(pdk_root)
    return [
        f"* GF180MCU (gf180mcu_fd_pr) models via PDK_ROOT, corner {corner}",
        f".include {design}",
        f".lib {models} {corner}",
    ]


def spiceinit_lines(pdk: str = "generic180") -> list[str]:
    """Lines for the run directory's ``.spiceinit`` that ``pdk``'s models need.

    Parameters
    ----------
    pdk : {"generic180", "gf180mcu"}

    Returns
    -------
    list of str
        ``["set ngbehavior=hsa"]`` for gf180mcu (HSPICE compatibility, read before the netlist
        is parsed), empty for generic180.
    """
    return ["set ngbehavior=hsa"] if devices(pdk).needs_hsa else []
