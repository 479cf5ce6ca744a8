"""Static import graph of ctdsm's modules, for the layering tests."""

from __future__ import annotations

import ast
from pathlib import Path


def ctdsm_imports(path: Path) -> list[tuple[str, bool]]:
    """``(module, at module level)`` of every import of a ctdsm module in ``path``.

    Module level includes the body of a top-level ``if`` (``if TYPE_CHECKING:``).
    ``from ctdsm import x`` is reported as ``ctdsm.x``; a relative import as the module it
    names, with its leading dots.
    """
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    top |= {id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ctdsm" and not node.level:
            names = [f"ctdsm.{a.name}" for a in node.names]  # from ctdsm import plots
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [
            (n, id(node) in top) for n in names if n == "ctdsm" or n.startswith(("ctdsm.", "."))
        ]
    return out
