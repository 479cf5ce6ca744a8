"""The :class:`Netlist` record: a generated netlist and what a run needs to read its output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Netlist"]


@dataclass(frozen=True)
class Netlist:
    """A generated netlist and what the runner needs to read its output.

    Attributes
    ----------
    text : str
        The netlist (deterministic for a given design and arguments).
    name : str
        Design name (the file is ``<name>.cir``).
    fs_hz : float
        Clock, Hz.
    t_first_sample_s : float
        First sampling instant ``t_0``, s.
    read_delay_s : float
        The code ``v[n]`` (decided at ``t_0 + n T``) is read at ``t_0 + n T + read_delay_s``,
        a multiple of ``T/2`` at least a quarter period after the DAC took it.
    t_stop_s : float
        End of the transient, s: half a period past the last read.
    n_cycles : int
        Clock cycles simulated (codes written).
    fin_hz, amplitude_dbfs : float
        Test tone.
    seed : int
        Seed of the drawn parameters (offsets, mismatch).
    levels : int
        Quantizer levels.
    output_file : str
        File the ``.control`` block writes (relative to the run directory).
    code_vector : str
        Column with the output code (toolbox units): the first DAC's code, which is the
        quantizer's decision delayed by the loop delay (DWA permutes the elements, not their
        count).
    state_vectors : tuple of str
        Columns with the integrator outputs (differential volts).
    k_x_v : tuple of float
        Volts per toolbox unit of each state.
    pdk, corner : str
    temp_c : float
    files : tuple of str
        Files the netlist references (absolute paths, gf180mcu only).
    spiceinit : tuple of str
        Lines the run directory's ``.spiceinit`` must hold.
    inputs : tuple of (str, str)
        Files the netlist reads, as ``(name, text)``, written beside it (the jittered clock's
        edge table, the noise table).
    info : dict
        Free-form notes (not compared).
    """

    text: str
    name: str
    fs_hz: float
    t_first_sample_s: float
    read_delay_s: float
    t_stop_s: float
    n_cycles: int
    fin_hz: float
    amplitude_dbfs: float
    seed: int
    levels: int
    output_file: str
    code_vector: str
    state_vectors: tuple[str, ...]
    k_x_v: tuple[float, ...]
    pdk: str
    corner: str
    temp_c: float
    files: tuple[str, ...] = ()
    spiceinit: tuple[str, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def filename(self) -> str:
        """The netlist's file name, ``<name>.cir``."""
        return f"{self.name}.cir"
