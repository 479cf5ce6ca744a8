"""The layout's rules, checked on the source (docs/architecture.md explains them).

- Dependencies flow one way: a module imports only from its own layer or the ones below.
- The import graph (module-level and function-level imports) has no cycle.
- Function-local imports of ctdsm modules are few, outside the CLI (which imports per verb
  to start fast), and each is explained by a comment.
- No module over 700 lines, no function over 120 lines except numba kernels.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "ctdsm"

#: Layers, bottom to top: a module may import from its own layer and those below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("ctdsm._version", "ctdsm.errors", "ctdsm.constants", "ctdsm.io", "ctdsm.progress",
     "ctdsm._compat", "ctdsm.validate"),
    ("ctdsm.toolbox",),
    ("ctdsm.analysis",),
    ("ctdsm.models",),
    ("ctdsm.design",),
    ("ctdsm.sim",),
    ("ctdsm.flow",),
    ("ctdsm.reporting", "ctdsm.spice", "ctdsm.sweeps"),
    ("ctdsm.cli", "ctdsm.__main__", "ctdsm"),
)  # fmt: skip
#: Old module paths kept for one release: aliases that import from anywhere and that
#: nothing inside the package imports.
DEPRECATED = {
    "ctdsm.spec", "ctdsm.ntf", "ctdsm.realize", "ctdsm.sizing", "ctdsm.impairments",
    "ctdsm.noise", "ctdsm.dac", "ctdsm.chopper", "ctdsm.report", "ctdsm.plots",
    "ctdsm.process", "ctdsm.spice.run",
}  # fmt: skip
#: The one upward import: the old path ``ctdsm.design.synthesize`` (when ctdsm/design.py was
#: a module), served lazily, with a DeprecationWarning, by ctdsm/design/__init__.py.
ALLOWED_UPWARD = {("ctdsm.design", "ctdsm.flow.synthesize")}
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 120
MAX_LOCAL_IMPORTS = 4


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    found = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}
    return {name: p for name, p in found.items() if p.exists()}


def _resolve(module: str, node: ast.ImportFrom | ast.Import, alias: ast.alias) -> list[str]:
    """The ctdsm modules an import statement in ``module`` loads."""
    mods = _modules()
    if isinstance(node, ast.Import):
        name = alias.name
        return [name] if name in mods else []
    base = node.module or ""
    if node.level:
        pkg = module.split(".")
        is_pkg = mods[module].name == "__init__.py"
        up = pkg if is_pkg else pkg[:-1]
        up = up[: len(up) - (node.level - 1)]
        base = ".".join(up + ([node.module] if node.module else []))
    sub = f"{base}.{alias.name}"
    if sub in mods:
        return [sub]
    return [base] if base in mods else []


@cache
def _imports() -> dict[str, list[tuple[str, bool, int]]]:
    """``module -> [(imported module, is function-local, line)]`` for ctdsm modules."""
    out: dict[str, list[tuple[str, bool, int]]] = {}
    for name, path in _modules().items():
        tree = ast.parse(path.read_text())
        local_lines: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        local_lines.add(node.lineno)
        deps: list[tuple[str, bool, int]] = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if _under_type_checking(tree, node):
                continue
            for alias in node.names:
                for dep in _resolve(name, node, alias):
                    if dep != name:
                        deps.append((dep, node.lineno in local_lines, node.lineno))
        out[name] = deps
    return out


def _under_type_checking(tree: ast.Module, target: ast.stmt) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            if any(target is child for child in ast.walk(node)):
                return True
    return False


def _layer(module: str) -> int:
    best, depth = -1, -1
    for i, names in enumerate(LAYERS):
        for prefix in names:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = i, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def test_every_module_has_a_layer() -> None:
    for name in _modules():
        _layer(name)


def test_dependencies_flow_one_way() -> None:
    bad = []
    for name, deps in _imports().items():
        if name in DEPRECATED:
            continue
        for dep, _local, line in deps:
            if dep in DEPRECATED:
                bad.append(f"{name}:{line} imports the deprecated {dep}")
            elif _layer(dep) > _layer(name) and (name, dep) not in ALLOWED_UPWARD:
                bad.append(f"{name}:{line} imports {dep}, a layer above it")
    assert not bad, "\n".join(bad)


def test_no_import_cycle() -> None:
    graph = {
        name: sorted({d for d, _, _ in deps if d not in DEPRECATED})
        for name, deps in _imports().items()
        if name not in DEPRECATED and name != "ctdsm"
    }
    # A package's __init__ that re-exports its submodules is not a cycle with them.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, []):
            if dep.startswith(node + ".") or node.startswith(dep + "."):
                continue
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for name in graph:
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_few_function_local_imports_each_explained() -> None:
    local = []
    for name, deps in _imports().items():
        if name in DEPRECATED or name.startswith("ctdsm.cli"):
            continue
        lines = _modules()[name].read_text().splitlines()
        for dep, is_local, line in deps:
            if is_local:
                context = " ".join(lines[max(0, line - 4) : line])
                assert "#" in context, f"{name}:{line}: local import of {dep} without a reason"
                local.append(f"{name}:{line} -> {dep}")
    assert len(local) <= MAX_LOCAL_IMPORTS, "\n".join(local)


def _kernel(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any("njit" in ast.unparse(d) or "jit" in ast.unparse(d) for d in fn.decorator_list)


@pytest.mark.parametrize("kind", ["module", "function"])
def test_small_modules_and_functions(kind: str) -> None:
    too_long = []
    for name, path in _modules().items():
        text = path.read_text()
        if kind == "module":
            n = text.count("\n")
            if n > MAX_MODULE_LINES:
                too_long.append(f"{name}: {n} lines")
            continue
        for fn in ast.walk(ast.parse(text)):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and not _kernel(fn):
                n = (fn.end_lineno or fn.lineno) - fn.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{fn.name}: {n} lines")
    assert not too_long, "\n".join(too_long)
