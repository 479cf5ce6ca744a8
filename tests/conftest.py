from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = ROOT / "designs"


@pytest.fixture
def designs_dir() -> Path:
    return DESIGNS
