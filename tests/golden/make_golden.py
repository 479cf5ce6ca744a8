"""Record the golden behaviour of the seed designs (run once, before a refactor).

    python tests/golden/make_golden.py

writes ``tests/golden/<design>.design.json`` (``design.to_dict()``) and
``tests/golden/golden.json`` (SHA-256 of the output codes of the sampled-data engine, the
circuit tier, the seeded noise-table netlist and a short report's metrics). The test
``tests/test_golden.py`` recomputes the same quantities with the same calls and compares.
Regenerate only for an intended change of behaviour, and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.golden.cases import DESIGNS, compute_all, design_json, design_of  # noqa: E402


def main() -> None:
    for name in DESIGNS:
        (HERE / f"{name}.design.json").write_text(design_json(design_of(name)))
    (HERE / "golden.json").write_text(json.dumps(compute_all(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
