"""ctdsm: continuous-time delta-sigma modulator design and verification.

The native API follows the data flow of a design::

    spec = ctdsm.load_spec("designs/multibit.yaml")   # Spec (validated)
    design = ctdsm.synthesize(spec)                   # Design: NTF, CT loop filter, ...

The classic Delta-Sigma Toolbox functions are in :mod:`ctdsm.toolbox`.
"""

from ctdsm._version import __version__
from ctdsm.design import Design, synthesize
from ctdsm.errors import CtdsmError, SpecError, SynthesisError
from ctdsm.spec import Spec, load_spec

__all__ = [
    "__version__",
    "load_spec",
    "synthesize",
    "Spec",
    "Design",
    "CtdsmError",
    "SpecError",
    "SynthesisError",
]
