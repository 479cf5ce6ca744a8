"""Old import paths kept for one release (the 0.x layout before the data-flow packages).

Each old module is a thin alias that warns once on import and re-exports the names it used
to define from their new homes; nothing inside ``ctdsm`` imports them.
"""

from __future__ import annotations

import warnings

__all__ = ["warn_moved"]


def warn_moved(old: str, new: str) -> None:
    """Warn that module ``old`` moved to ``new`` (a :class:`DeprecationWarning`)."""
    warnings.warn(
        f"{old} is deprecated: import from {new} (the old path goes away in the next release)",
        DeprecationWarning,
        stacklevel=3,
    )
