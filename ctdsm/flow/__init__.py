"""The verbs that combine the layers: :func:`synthesize` (spec to a complete
:class:`~ctdsm.design.record.Design`), the requirements found by simulation, and the
chopping studies."""

from ctdsm.flow.chopping import chopping_sweep, predict_chopping_noise
from ctdsm.flow.requirements import derive_requirements
from ctdsm.flow.synthesize import synthesize

__all__ = ["synthesize", "derive_requirements", "chopping_sweep", "predict_chopping_noise"]
