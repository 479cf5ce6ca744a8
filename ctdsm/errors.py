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

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # survives a worker's pickling
        return (self.__class__, (self.field, self.reason))


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

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (self.__class__, (self.field, self.reason))


class ResourceError(CtdsmError):
    """The environment failed during a run: the disk (full, read-only, no permission),
    memory, an external tool (ngspice missing or failing) or a worker (a lost Dask or local
    worker process). The input was fine; the CLI exits with status 1.

    Parameters
    ----------
    resource : str
        What failed (``"disk"``, ``"ngspice"``, ``"memory"``, ``"worker"``, a path).
    reason : str
        What happened and what to do, in a few words.
    """

    def __init__(self, resource: str, reason: str) -> None:
        self.resource = resource
        self.reason = reason
        super().__init__(f"{resource}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (self.__class__, (self.resource, self.reason))
