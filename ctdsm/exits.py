"""How a verb ends: exit statuses, one-line errors, Ctrl-C and SIGTERM, quiet broken pipes.

Every ``ctdsm`` verb runs inside :func:`guarded` (the contract of ``docs/cli.md``).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from ctdsm.errors import CtdsmError, ResourceError
from ctdsm.io import check_output_dir

__all__ = [
    "EXIT_ENVIRONMENT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USER_ERROR",
    "OneLineGroup",
    "Terminated",
    "guarded",
]

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_ENVIRONMENT = 1
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like a Ctrl-C so that the same clean-up runs (exit status 143)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a verb: vet ``-o`` first, then turn failures into one line and an exit code.

    - ``-o DIR`` is checked (:func:`ctdsm.io.check_output_dir`) before any work: exit 2.
    - :class:`CtdsmError`: ``error: ...`` and exit 2 (a traceback with CTDSM_DEBUG=1);
      :class:`ResourceError` (disk, memory, ngspice, a worker) and any other ``OSError`` or
      ``MemoryError``: ``error: ...`` naming the resource, exit 1.
    - Ctrl-C: exit 130; SIGTERM: exit 143 (raised as :class:`Terminated`, so clean-up
      runs: staging files removed, ngspice stopped); a broken stdout pipe
      (``ctdsm synth ... | head -1``): quiet, exit 0 (the verb's files are written before
      anything is printed).
    - numpy RuntimeWarnings (overflow, invalid value) are not shown: the library raises
      its own errors where a result is wrong.
    - anything else: ``internal error: ...`` and exit 1.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        old_term = _hold_sigterm()
        try:
            if "out_dir" in kwargs:
                check_output_dir(kwargs["out_dir"])
            return _quietly(fn, *args, **kwargs)
        except ResourceError as exc:
            _fail(exc, str(exc), EXIT_ENVIRONMENT)
        except CtdsmError as exc:
            _fail(exc, str(exc), EXIT_USER_ERROR)
        except Terminated:
            click.echo("terminated; no output was written", err=True)
            sys.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            click.echo("interrupted; no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(EXIT_OK)
        except MemoryError as exc:
            _fail(
                exc,
                "memory: the run needs more memory than is available; "
                "use fewer --samples/--cycles or close other programs",
                EXIT_ENVIRONMENT,
            )
        except OSError as exc:
            where = exc.filename if exc.filename is not None else "system"
            _fail(exc, f"{where}: {exc.strerror or exc.__class__.__name__}", EXIT_ENVIRONMENT)
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
            if os.environ.get("CTDSM_DEBUG"):
                raise
            click.echo(
                f"internal error: {exc.__class__.__name__}: {exc} "
                "(CTDSM_DEBUG=1 shows a traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        finally:
            _restore_sigterm(old_term)

    return wrapper


def _fail(exc: BaseException, message: str, status: int) -> None:
    """One line on stderr and exit ``status`` (re-raise with CTDSM_DEBUG=1)."""
    if os.environ.get("CTDSM_DEBUG"):
        raise exc
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _hold_sigterm() -> Any:
    """Make SIGTERM raise :class:`Terminated` (main thread only); return the old handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _on_sigterm)


def _restore_sigterm(old: Any) -> None:
    import signal

    if old is not None:
        signal.signal(signal.SIGTERM, old)


def _quietly(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with numpy floating-point warnings and RuntimeWarnings silenced."""
    import warnings

    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush cannot fail again.

    The recipe of the Python documentation (``signal`` module, "Note on SIGPIPE").
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass


class OneLineGroup(click.Group):
    """A click group whose usage errors (an unknown option, a value out of range, a missing
    ``-o``) are one line ``error: <what>: <why> (see ctdsm VERB --help)`` with exit status
    2, like every other bad input, instead of click's usage block."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "ctdsm"
            message = " ".join(exc.format_message().split())
            click.echo(f"error: {message} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("interrupted; no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)
