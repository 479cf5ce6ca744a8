"""Deprecated alias of :mod:`ctdsm.design.spec` (moved in the data-flow layout)."""

from ctdsm._compat import warn_moved
from ctdsm.design.spec import (
    ArchitectureSpec as Architecture,
)
from ctdsm.design.spec import (
    ChopperSpec as Chopper,
)
from ctdsm.design.spec import (
    DacSpec as Dac,
)
from ctdsm.design.spec import (
    ImpairmentsSpec as Impairments,
)
from ctdsm.design.spec import (
    ProcessSpec as Process,
)
from ctdsm.design.spec import (
    SimulationSpec as Simulation,
)
from ctdsm.design.spec import (
    SizingSpec as Sizing,
)
from ctdsm.design.spec import (
    Spec,
    apply_overrides,
    default_spec_path,
    load_spec,
    read_spec_file,
    spec_from_dict,
)
from ctdsm.design.spec import (
    TargetSpec as Target,
)

__all__ = [
    "Spec",
    "Target",
    "Architecture",
    "Dac",
    "Chopper",
    "Process",
    "Sizing",
    "Impairments",
    "Simulation",
    "load_spec",
    "default_spec_path",
    "apply_overrides",
    "read_spec_file",
    "spec_from_dict",
]

warn_moved("ctdsm.spec", "ctdsm.design.spec")
