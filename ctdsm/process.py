"""Deprecated alias of :mod:`ctdsm.spice.process` (moved beside the netlists that use it)."""

from ctdsm._compat import warn_moved
from ctdsm.spice.process import (
    CORNERS,
    DEVICES,
    GENERIC_CORNERS,
    PDKS,
    DeviceSet,
    devices,
    generic180_card,
    gf180mcu_paths,
    model_lines,
    resolve_pdk_root,
    spiceinit_lines,
)

__all__ = [
    "PDKS",
    "CORNERS",
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

warn_moved("ctdsm.process", "ctdsm.spice.process")
