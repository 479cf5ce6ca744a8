"""Output files: written whole or not at all (temporary file, then atomic rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ctdsm.errors import CtdsmError

__all__ = ["prepare_output_dir", "atomic_write_text", "atomic_write_bytes", "atomic_write_json"]


def prepare_output_dir(path: str | Path) -> Path:
    """Create the output directory (parents too) and return it as a Path."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CtdsmError(f"-o {path}: exists and is not a directory")
    p.mkdir(parents=True, exist_ok=True)
    return p


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    A reader never sees a half-written file, and an interrupted run leaves none behind.
    """
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates the file 0600; give it the mode a plain open() would (umask).
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically (see :func:`atomic_write_text`)."""
    return atomic_write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")
