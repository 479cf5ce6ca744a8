"""Physical constants (SI), each defined once."""

#: Boltzmann constant, J/K (exact, SI 2019).
K_BOLTZMANN = 1.380649e-23

#: Elementary charge, C (exact, SI 2019), for the thermal voltage ``U_T = k T / q``.
Q_ELECTRON = 1.602176634e-19
