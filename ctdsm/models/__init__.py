"""Physics models, each defined once and shared by every tier: the impairments, noise
generators, the chopper, the first DAC's circuits (sampled-data terms, circuit-tier
parameters).

Depends on numpy/scipy and :mod:`ctdsm.errors` only.
"""
