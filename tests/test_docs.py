"""The documentation: the Python examples of docs/api.md run, and every relative link in
docs/ and the README points at a file that exists."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


@pytest.mark.timeout(400)  # several syntheses and a report; numba compiles on a fresh venv
def test_api_examples_run(monkeypatch):
    blocks = _python_blocks(DOCS / "api.md")
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)  # the examples use repository paths (designs/...)
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"docs/api.md block {i + 1}", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - report which block failed
            pytest.fail(f"docs/api.md block {i + 1} failed: {exc.__class__.__name__}: {exc}")
    assert namespace["path"].name == "report.html"
    assert namespace["m"].sndr_db > 80


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)


@pytest.mark.parametrize(
    "path", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_resolve(path):
    for link in _links(path):
        if re.match(r"[a-z]+://", link) or link.startswith("mailto:"):
            continue
        target = (path.parent / link).resolve()
        assert target.exists(), f"{path.name}: broken link {link}"
        assert os.path.commonpath([target, ROOT]) == str(ROOT)
