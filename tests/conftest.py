from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = ROOT / "designs"


@pytest.fixture
def designs_dir() -> Path:
    return DESIGNS


# Property tests draw their examples from a fixed seed: a CI run is reproducible, and a
# failure found once is found again.
from hypothesis import settings  # noqa: E402

settings.register_profile("ctdsm", derandomize=True, database=None)
settings.load_profile("ctdsm")
