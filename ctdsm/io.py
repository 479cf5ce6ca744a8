"""Output files: the one place that owns what ctdsm writes and where.

Everything a verb writes goes through this module:

- :func:`check_output_dir` vets ``-o DIR`` before any work (exists or creatable, a
  writable directory, not a dangling symlink, not below a file);
- :func:`safe_name` vets a file name derived from the spec (``name``);
- :func:`output_path` joins a name to the output directory and verifies that the result
  stays inside it;
- :func:`commit_run` stages a run's files beside their targets and moves them in
  together, removing the previous run's files this run does not write, with a
  ``run.json`` manifest; a failed or interrupted run leaves the previous contents;
- :func:`atomic_write_bytes` and friends write one file whole or not at all;
- :func:`stage_dir` makes a directory a verb fills during the run (ngspice's run
  directory) and :func:`commit_run` moves it in with the files.

A failure of the disk while writing (full, read-only, no permission) is a
:class:`~ctdsm.errors.ResourceError` naming the file and what to do. Staging names carry the
writer's process id: a run removes the staging files of dead runs only, so two runs into
one directory do not delete each other's; the commit itself holds an exclusive lock
(``flock``) on the directory.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ctdsm.errors import CtdsmError, ResourceError

try:  # POSIX; elsewhere commits are not serialized between processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "MANIFEST",
    "MAX_NAME_LENGTH",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_output_dir",
    "clean_stale_staging",
    "commit_run",
    "discard",
    "json_bytes",
    "missing_dirs",
    "remove_empty_dirs",
    "output_path",
    "prepare_output_dir",
    "safe_name",
    "spec_sha256",
    "stage_dir",
    "write_failure",
]

#: The run manifest a verb writes beside its files.
MANIFEST = "run.json"
#: Longest file-name stem derived from the spec (leaves room for suffixes under 255 bytes).
MAX_NAME_LENGTH = 100
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")
#: Staging files: ``.<name>.<pid>-<random>.tmp`` (what :func:`atomic_write_bytes` makes too).
_STAGING_GLOB = ".*.tmp"
_STAGING_PID = re.compile(r"\.(\d+)-[0-9A-Za-z_]+(?:\.bak)?\.tmp$")


# ------------------------------------------------------------------------- names and paths


def safe_name(name: str, field: str = "name") -> str:
    """Return ``name`` if it is safe as a file name (or stem), else raise.

    Safe means: not empty, at most :data:`MAX_NAME_LENGTH` characters of
    ``[A-Za-z0-9._-]`` (so no path separator, no absolute path), not starting with a dot
    (no ``.``, ``..`` or hidden file) and not starting with ``-`` (not an option).

    Parameters
    ----------
    name : str
        The candidate, e.g. the spec's ``name``.
    field : str
        What to name in the error: the spec field or the option it came from.

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    CtdsmError
        ``"<field>: ..."`` with the reason.
    """
    if not isinstance(name, str) or not name:
        raise CtdsmError(f"{field}: must not be empty (it names the output files)")
    if len(name) > MAX_NAME_LENGTH:
        raise CtdsmError(
            f"{field}: {len(name)} characters; at most {MAX_NAME_LENGTH} (it names output files)"
        )
    if not _SAFE_NAME.fullmatch(name):
        raise CtdsmError(
            f"{field}: {name!r} is not a safe file name: use only letters A-Z a-z, digits "
            "and . _ - (no path separators)"
        )
    if name[0] in ".-":
        raise CtdsmError(f"{field}: {name!r} must not start with '{name[0]}'")
    return name


def output_path(out_dir: str | os.PathLike[str], name: str, field: str = "name") -> Path:
    """``out_dir / name``, verified to stay inside ``out_dir`` once resolved.

    Parameters
    ----------
    out_dir : path-like
        The output directory.
    name : str
        A file name (no directories).
    field : str
        The spec field or option to name in the error.

    Returns
    -------
    pathlib.Path
        ``Path(out_dir) / name``.

    Raises
    ------
    CtdsmError
        When the name holds a separator or resolves outside ``out_dir`` (``..``, an
        absolute path, a symlink pointing elsewhere).
    """
    base = Path(out_dir)
    if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise CtdsmError(f"{field}: {name!r} is not a plain file name")
    target = base / name
    root = base.resolve()
    resolved = target.resolve()
    if resolved.parent != root:
        raise CtdsmError(f"{field}: {name!r} would be written outside {os.fspath(out_dir)}")
    return target


def check_output_dir(path: str | os.PathLike[str], option: str = "-o") -> Path:
    """Vet an output directory before any work; create nothing.

    Parameters
    ----------
    path : path-like
        The directory (``-o``). It may not exist yet.
    option : str
        The option to name in the error.

    Returns
    -------
    pathlib.Path
        ``Path(path)``.

    Raises
    ------
    CtdsmError
        ``"<option> <path>: <reason>"``: empty, a file, a dangling symlink, below a file,
        not writable, or its nearest existing ancestor is not writable.
    """
    text = os.fspath(path)
    if not text or not text.strip():
        raise CtdsmError(f"{option}: must not be empty (give a directory, e.g. -o out)")
    p = Path(text)
    where = f"{option} {text}"
    if p.is_symlink() and not p.exists():
        raise CtdsmError(f"{where}: is a dangling symbolic link")
    if p.exists():
        if not p.is_dir():
            raise CtdsmError(f"{where}: exists and is not a directory")
        if not os.access(p, os.W_OK | os.X_OK):
            raise CtdsmError(f"{where}: directory is not writable")
        return p
    # Walk up to the nearest existing ancestor: it must be a writable directory.
    parent = p.absolute().parent
    while True:
        if parent.is_symlink() and not parent.exists():
            raise CtdsmError(f"{where}: {parent} is a dangling symbolic link")
        if parent.exists():
            break
        if parent.parent == parent:  # pragma: no cover - the root always exists
            break
        parent = parent.parent
    if not parent.is_dir():
        raise CtdsmError(f"{where}: cannot be created below the file {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CtdsmError(f"{where}: cannot be created ({parent} is not writable)")
    return p


def prepare_output_dir(path: str | os.PathLike[str], option: str = "-o") -> Path:
    """Vet (:func:`check_output_dir`), then create the output directory (parents too).

    Returns
    -------
    pathlib.Path
        The directory.
    """
    p = check_output_dir(path, option)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        where = f"{option} {os.fspath(path)}"
        raise CtdsmError(f"{where}: cannot be created ({exc.strerror})") from None
    return p


# ------------------------------------------------------------------------- single files


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


_DISK_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or choose another -o",
    errno.EDQUOT: "the disk quota is exhausted: free some space or choose another -o",
    errno.EROFS: "the file system is read-only: choose another -o",
    errno.EACCES: "permission denied: check the permissions or choose another -o",
    errno.EPERM: "operation not permitted: check the permissions or choose another -o",
}


def write_failure(path: str | os.PathLike[str], exc: OSError) -> ResourceError:
    """The one-line error for an ``OSError`` while writing ``path`` (exit status 1).

    Parameters
    ----------
    path : path-like
        The file or directory being written.
    exc : OSError
        What the system said.

    Returns
    -------
    ResourceError
        ``"<path>: cannot write (<strerror>); <what to do>"``.
    """
    what = exc.strerror or exc.__class__.__name__
    hint = _DISK_HINTS.get(exc.errno or 0, "check the disk and the permissions")
    return ResourceError(os.fspath(path), f"cannot write ({what}); {hint}")


def _staging_prefix(name: str) -> str:
    return f".{name}.{os.getpid()}-"


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new staging file beside ``path``; return the staging file."""
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=_staging_prefix(path.name), suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise write_failure(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp creates the file 0600; give it the mode a plain open() would (umask).
        os.chmod(tmp, 0o666 & ~_UMASK)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_failure(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def stage_dir(out_dir: str | os.PathLike[str], name: str) -> Path:
    """A new, empty staging directory in ``out_dir`` for the directory ``name``.

    A verb fills it during its run and passes it to :func:`commit_run` (``dirs``), which
    moves it in as ``out_dir/name`` with the run's files; a run that fails removes it
    (:func:`discard`), and the next run into ``out_dir`` removes one a killed run left.
    """
    out = prepare_output_dir(out_dir)
    output_path(out, name)
    try:
        path = Path(tempfile.mkdtemp(prefix=_staging_prefix(name), suffix=".tmp", dir=out))
        # mkdtemp makes it 0700; give it the mode a plain mkdir would (umask).
        os.chmod(path, 0o777 & ~_UMASK)
    except OSError as exc:
        raise write_failure(out / name, exc) from None
    return path


def missing_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """The directories of ``path`` that do not exist yet, deepest first.

    A verb that must create ``-o`` before its run ends (to stage there) records them, and
    on failure hands them to :func:`remove_empty_dirs`: a failed run into a new directory
    leaves no empty directory behind.
    """
    missing = []
    p = Path(path).absolute()
    while not (p.exists() or p.is_symlink()) and p.parent != p:
        missing.append(p)
        p = p.parent
    return missing


def remove_empty_dirs(dirs: list[Path]) -> None:
    """Remove each of ``dirs`` (deepest first) while it is empty."""
    for d in dirs:
        try:
            d.rmdir()
        except OSError:
            return


def discard(path: str | os.PathLike[str]) -> None:
    """Remove a staging file or directory (nothing if it is gone)."""
    p = Path(path)
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    A reader never sees a half-written file, and an interrupted run leaves none behind.
    """
    p = Path(path)
    tmp = _stage(p, data)
    try:
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failure(p, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_bytes(data: Any) -> bytes:
    """``data`` as indented JSON text (UTF-8, final newline; NaN is an error)."""
    return (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("utf-8")


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically (see :func:`atomic_write_text`)."""
    return atomic_write_bytes(path, json_bytes(data))


# ------------------------------------------------------------------------- runs


def spec_sha256(spec_dict: Mapping[str, Any]) -> str:
    """SHA-256 of a spec's JSON form (keys sorted, compact): the manifest's spec hash."""
    text = json.dumps(spec_dict, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale_staging(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Remove staging files and directories (``.*.tmp``) that killed runs left in ``out_dir``.

    Those of a live process (its id is in the name) are another run's, in progress: left.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    removed = []
    base = Path(out_dir)
    if base.is_dir():
        for p in base.glob(_STAGING_GLOB):
            m = _STAGING_PID.search(p.name)
            if m is not None and _pid_alive(int(m.group(1))):
                continue
            discard(p)
            removed.append(p)
    return removed


@contextlib.contextmanager
def _dir_locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the directory ``path`` (no lock file is made)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends (main thread only), then deliver them."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    sigs = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    old = {s: signal.signal(s, lambda n, _f: caught.append(n)) for s in sigs}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for n in caught[:1]:
            os.kill(os.getpid(), n)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def commit_run(
    out_dir: str | os.PathLike[str],
    files: Mapping[str, bytes],
    *,
    verb: str,
    owned: tuple[str, ...] = (),
    manifest: Mapping[str, Any] | None = None,
    dirs: Mapping[str, Path] | None = None,
) -> list[Path]:
    """Write a run's files into ``out_dir`` together: all of them or none.

    Every file is first staged beside its target (``.<name>.<pid>-<random>.tmp``); only when
    all are staged are they renamed into place, with SIGINT/SIGTERM held and the directory
    locked, and the previous run's files this run does not write are removed in the same
    step. If anything fails the previous contents are restored. With ``manifest``,
    ``run.json`` records the run (``ctdsm_version``, ``spec_sha256``, ``seed``, ... and
    ``files``) under ``runs[verb]``.

    Parameters
    ----------
    out_dir : path-like
        The output directory (vetted, created if needed).
    files : mapping of str to bytes
        File name (checked with :func:`output_path`) to its content.
    verb : str
        The run's verb (its key in ``run.json``).
    owned : tuple of str
        Every file (or directory) this verb may write: those not written now are removed
        (e.g. a ``sweep.json`` of an earlier ``simulate --sweep``).
    manifest : mapping, optional
        The run's record for ``run.json``; None writes no manifest.
    dirs : mapping of str to pathlib.Path, optional
        Directory name to the staging directory (:func:`stage_dir`) holding its content;
        it replaces ``out_dir/name`` as a whole.

    Returns
    -------
    list of pathlib.Path
        The files and directories written (``run.json`` last).

    Raises
    ------
    ResourceError
        The disk failed (full, read-only, permissions): nothing of the run is left.
    """
    created = missing_dirs(out_dir)
    out = prepare_output_dir(out_dir)
    dirs = dict(dirs or {})
    try:
        with _dir_locked(out):
            clean_stale_staging(out)
            return _commit_locked(out, dict(files), verb, owned, manifest, dirs)
    except BaseException:
        for tmp in dirs.values():
            discard(tmp)
        remove_empty_dirs(created)
        raise


def _commit_locked(
    out: Path,
    payload: dict[str, bytes],
    verb: str,
    owned: tuple[str, ...],
    manifest: Mapping[str, Any] | None,
    dirs: dict[str, Path],
) -> list[Path]:
    written = [*payload, *dirs]
    targets = {n: output_path(out, n) for n in written}
    stale: set[str] = {n for n in owned if n not in targets}
    if manifest is not None:
        old = _read_manifest(out / MANIFEST)
        runs_any = old.get("runs")
        runs: dict[str, Any] = runs_any if isinstance(runs_any, dict) else {}
        new_runs: dict[str, Any] = {}
        for v, rec in runs.items():
            listed = rec.get("files", []) if isinstance(rec, dict) else []
            listed = [f for f in listed if isinstance(f, str)]
            if v == verb:
                # This verb's previous run: what this run does not rewrite is stale.
                stale.update(f for f in listed if f not in targets)
                continue
            # Another verb's run keeps its files but those this run overwrites
            # (``report`` after ``spice`` rewrites metrics.json; spice.npz stays spice's).
            kept = [f for f in listed if f not in targets]
            if kept:
                new_runs[v] = {**rec, "files": kept} if kept != listed else rec
        new_runs[verb] = {**manifest, "files": sorted(written)}
        payload[MANIFEST] = json_bytes({"runs": dict(sorted(new_runs.items()))})
        targets[MANIFEST] = output_path(out, MANIFEST)
    stale.discard(MANIFEST)
    stale_paths = []
    for n in sorted(stale):
        with contextlib.suppress(CtdsmError):
            p = output_path(out, n)
            if p.exists() or p.is_symlink():
                stale_paths.append(p)
    staged: dict[Path, Path] = {targets[n]: tmp for n, tmp in dirs.items()}
    try:
        for n, data in payload.items():
            staged[targets[n]] = _stage(targets[n], data)
    except BaseException:
        for tmp in staged.values():
            discard(tmp)
        raise
    _swap_in(out, staged, stale_paths)
    return [targets[n] for n in (*dirs, *payload)]


def _swap_in(out: Path, staged: dict[Path, Path], stale: list[Path]) -> None:
    """Rename staged files onto their targets and remove ``stale``; undo on failure."""
    backups: list[tuple[Path, Path]] = []  # (target, backup)
    placed: list[Path] = []
    with _signals_deferred():
        try:
            for target in [*staged, *stale]:
                if target.exists() or target.is_symlink():
                    backup = out / f"{_staging_prefix(target.name)}{secrets.token_hex(6)}.bak.tmp"
                    os.replace(target, backup)
                    backups.append((target, backup))
            for target, tmp in staged.items():
                os.replace(tmp, target)
                placed.append(target)
        except BaseException as exc:
            for target in placed:
                discard(target)
            for target, backup in backups:
                os.replace(backup, target)
            for tmp in staged.values():
                discard(tmp)
            if isinstance(exc, OSError):
                raise write_failure(out, exc) from None
            raise
        for _, backup in backups:
            discard(backup)
