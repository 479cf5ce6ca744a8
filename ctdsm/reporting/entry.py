"""The entry point, :func:`report`: a design in, a report directory out."""

from __future__ import annotations

from pathlib import Path

from ctdsm.design.record import Design
from ctdsm.design.spec import Spec, load_spec
from ctdsm.flow.synthesize import synthesize
from ctdsm.io import check_output_dir
from ctdsm.reporting import compute, html

__all__ = ["report"]


def _as_design(design_or_spec: Design | Spec | str | Path) -> Design:
    """A design, from a design, a spec or the path of a spec file."""
    if isinstance(design_or_spec, Design):
        return design_or_spec
    if isinstance(design_or_spec, Spec):
        return synthesize(design_or_spec)
    if isinstance(design_or_spec, str | Path):
        return synthesize(load_spec(design_or_spec))
    raise TypeError("report() takes a Design, a Spec or the path of a spec file")


def report(
    design_or_spec: Design | Spec | str | Path,
    out_dir: str | Path,
    *,
    n_samples: int | None = None,
    seed: int | None = None,
    spice_dir: str | Path | None = None,
    progress: bool = False,
) -> Path:
    """Simulate a design and write ``report.html``, its figures and ``metrics.json``.

    Parameters
    ----------
    design_or_spec : Design, Spec, str or Path
        A design, a spec, or the path of a spec file.
    out_dir : str or Path
        Output directory (created if needed; existing report files are replaced).
    n_samples : int, optional
        Samples of the main run (default from the spec); see
        :func:`~ctdsm.reporting.compute.build_report`.
    seed : int, optional
        Seed of every run (default from the spec).
    spice_dir : str or Path, optional
        Output directory of a ``ctdsm spice`` run; default ``out_dir`` if it holds a
        ``spice.npz``. Adds the ngspice versus behavioral overlay.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Path
        The written ``report.html``.

    Raises
    ------
    CtdsmError
        On a bad spec, a bad ``spice.npz``, or an output path that is not a directory.
    """
    out = check_output_dir(out_dir)
    design = _as_design(design_or_spec)
    if spice_dir is None and (out / "spice.npz").is_file():
        spice_dir = out
    spice = compute.load_spice(spice_dir) if spice_dir is not None else None
    # Through the module, so that tests can stand in a prepared ReportData.
    data = compute.build_report(
        design, n_samples=n_samples, seed=seed, spice=spice, progress=progress
    )
    return html.write_report(data, out)
