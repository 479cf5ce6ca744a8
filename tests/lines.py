"""What a test reads of a CLI's stderr: the lines other than ``warning: ...``.

The seed designs exceed process bounds until they are re-derived (issue 16), and ``synth``
says so in one ``warning:`` line; the error contract is about the ``error:`` line.
"""


def error_lines(text: str) -> list[str]:
    """The non-empty lines of ``text`` that are not warnings."""
    return [ln for ln in text.strip().splitlines() if ln and not ln.startswith("warning: ")]
