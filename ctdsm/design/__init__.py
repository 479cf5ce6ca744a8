"""Design layer: the spec, the NTF choice, the loop-filter realization, the sizing and the
immutable :class:`Design` record (built by :func:`ctdsm.synthesize`, in :mod:`ctdsm.flow`).

Depends on :mod:`ctdsm.toolbox`, :mod:`ctdsm.analysis` and :mod:`ctdsm.models` only.
"""

from __future__ import annotations

import warnings
from typing import Any

from ctdsm.design.record import Design
from ctdsm.design.requirements import Requirements
from ctdsm.design.sizing import Sizing
from ctdsm.design.spec import Spec, load_spec

__all__ = ["Design", "Requirements", "Sizing", "Spec", "load_spec"]


def __getattr__(name: str) -> Any:
    # `from ctdsm.design import synthesize` was the old path (ctdsm/design.py); synthesize
    # now lives a layer up, in ctdsm.flow, so it is imported here only when asked for.
    if name == "synthesize":
        warnings.warn(
            "ctdsm.design.synthesize is deprecated: use ctdsm.synthesize "
            "(the old path goes away in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        # An upward import, for the deprecated path only: imported when asked for.
        from ctdsm.flow.synthesize import synthesize

        return synthesize
    raise AttributeError(f"module 'ctdsm.design' has no attribute {name!r}")
