"""The designs the DAC and circuit physics tests were derived on: the seed designs as they
were before issue 16 re-derived them for the process bounds (tests/data/*.yaml)."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
_FILES = {"multibit": "multibit_1v.yaml", "singlebit": "singlebit_fb5.yaml"}


def physics_spec(name: str) -> Path:
    """Spec file of the physics-test design ``name`` (``"multibit"`` or ``"singlebit"``)."""
    return DATA / _FILES[name]
