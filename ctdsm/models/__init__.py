"""Physics models, each defined once and shared by every tier: the impairments, noise
generators, the chopper, the first DAC's circuits (sampled-data terms, circuit-tier
parameters), the process records and the power and area models (``technology``, ``power``,
``area``).

Depends on numpy/scipy, :mod:`ctdsm.errors` and :mod:`ctdsm.constants` only.
"""
