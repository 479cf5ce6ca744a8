"""Exceptions raised by ctdsm. The CLI turns every :class:`CtdsmError` into one line."""

from __future__ import annotations


class CtdsmError(Exception):
    """Base class of all errors ctdsm reports to a user."""


class SpecError(CtdsmError, ValueError):
    """A spec (file, field or ``--set`` override) is invalid.

    Parameters
    ----------
    field : str
        Dotted path of the offending field (``"target.bw_hz"``), or the file name.
    reason : str
        Why it is invalid, in a few words.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class SynthesisError(CtdsmError):
    """The spec is valid but no modulator meeting it could be synthesized or verified."""


class ArgumentError(CtdsmError, ValueError):
    """An argument of a public function (``seed``, ``n_samples``, ...) is invalid.

    Parameters
    ----------
    name : str
        The argument's name.
    reason : str
        Why it is invalid, in a few words.
    """

    def __init__(self, name: str, reason: str) -> None:
        self.field = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")
