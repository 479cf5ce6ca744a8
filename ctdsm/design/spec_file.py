"""Reading a spec file: bounded, and every refusal one line naming the file.

A spec file is a regular file (or a pipe) of at most :data:`MAX_SPEC_BYTES` of UTF-8 YAML
text; the YAML loader refuses duplicate keys, over-long integers, deep nesting and alias
graphs that are recursive or expand too far ("billion laughs"). :func:`read_spec_file`
returns the raw mapping that :mod:`ctdsm.design.spec` validates.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from ctdsm.errors import SpecError

__all__ = ["MAX_SPEC_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "read_spec_file"]


def _flat(text: str) -> str:
    """``text`` on one line: control characters (newlines) escaped as in a repr."""
    return text if text.isprintable() else repr(text)[1:-1]


class _DuplicateKey(yaml.MarkedYAMLError):
    """A mapping repeats a key (``target:`` twice); ``problem`` names the key."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML safe loader that refuses a key repeated in one mapping, at any depth.

    Plain ``yaml.safe_load`` keeps the last value, so a second ``target:`` section would
    silently replace the first.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                break
            if first is not None:
                raise _DuplicateKey(
                    problem=f"duplicate key {key!r} (first at line {first.line + 1})",
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Python refuses to convert integers over 4300 digits (a ValueError, not a YAML
        # error); no spec field needs more than a few dozen.
        text = str(node.value)
        if len(text) > _MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {len(text)} digits", node.start_mark
            )
        return super().construct_yaml_int(node)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _UniqueKeyLoader.construct_yaml_int)

#: Longest integer literal read from YAML, digits.
_MAX_INT_DIGITS = 100
#: Most YAML nodes a document may hold, each alias counted at every use: refuses "billion
#: laughs" (nested anchors whose expansion is exponential); a spec has about a hundred.
MAX_YAML_NODES = 100_000
#: Deepest nesting of YAML sequences and mappings (a spec nests three levels).
MAX_YAML_DEPTH = 50


class _YamlTooBig(yaml.MarkedYAMLError):
    """A document that expands to too many nodes, nests too deeply or refers to itself."""


def _node_children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph that is cyclic, deeper than :data:`MAX_YAML_DEPTH` or larger than
    :data:`MAX_YAML_NODES` once aliases are expanded (iterative: no recursion limit)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _node_children(node))
            if sizes[key] > MAX_YAML_NODES:
                raise _YamlTooBig(
                    problem=f"expands to more than {MAX_YAML_NODES} values (nested aliases?)",
                    problem_mark=node.start_mark,
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _YamlTooBig(
                problem="an alias refers to its own anchor (a recursive structure)",
                problem_mark=node.start_mark,
            )
        if depth > MAX_YAML_DEPTH:
            raise _YamlTooBig(
                problem=f"nested more than {MAX_YAML_DEPTH} levels deep",
                problem_mark=node.start_mark,
            )
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _node_children(node) if id(c) not in sizes)


def _yaml_load(text: str) -> Any:
    """Parse YAML like ``yaml.safe_load``, refusing duplicate mapping keys, over-long
    integers, and documents that nest too deeply or expand too far through aliases."""
    loader = _UniqueKeyLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise _YamlTooBig(problem=f"nested more than {MAX_YAML_DEPTH} levels deep") from None
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


#: Largest spec file read, bytes. A spec is a few KB; the YAML parser reads about
#: 0.1-1 MB/s, so this bounds the time a wrong file (a log, an image) costs.
MAX_SPEC_BYTES = 1 << 20


def _read_capped(path: Path, shown: str) -> bytes:
    """The bytes of a regular file or a pipe, at most :data:`MAX_SPEC_BYTES`; one-line errors.

    Devices (``/dev/zero``), directories and sockets are refused before they are opened; a
    pipe is opened without blocking (no writer: nothing to read), and no more than the limit
    plus one byte is ever read.
    """

    def refuse(st: os.stat_result) -> None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise SpecError(shown, "is a directory, not a spec file")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            kind = (
                "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file"
            )  # fmt: skip
            raise SpecError(shown, f"is {kind}, not a spec file")
        if stat.S_ISREG(mode) and st.st_size > MAX_SPEC_BYTES:
            raise SpecError(
                shown, f"is {st.st_size} bytes; a spec file is at most {MAX_SPEC_BYTES} bytes"
            )

    try:
        refuse(os.stat(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        dangling = os.path.islink(path)
        raise SpecError(
            shown, "no such file" + (" (a dangling symbolic link)" if dangling else "")
        ) from None
    except NotADirectoryError:
        raise SpecError(shown, "no such file (a path component is a file)") from None
    except OSError as exc:
        raise SpecError(
            shown, f"cannot read ({_flat(exc.strerror or type(exc).__name__)})"
        ) from None
    chunks: list[bytes] = []
    size = 0
    try:
        st = os.fstat(fd)
        refuse(st)  # the path may have been replaced between stat and open
        os.set_blocking(fd, True)
        while size <= MAX_SPEC_BYTES:
            chunk = os.read(fd, min(1 << 16, MAX_SPEC_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise SpecError(
            shown, f"cannot read ({_flat(exc.strerror or type(exc).__name__)})"
        ) from None
    finally:
        os.close(fd)
    if size > MAX_SPEC_BYTES:
        raise SpecError(shown, f"more than {MAX_SPEC_BYTES} bytes; a spec file is not that long")
    if size == 0 and stat.S_ISFIFO(st.st_mode):
        raise SpecError(shown, "is a pipe with nothing to read")
    return b"".join(chunks)


def read_spec_file(path: str | Path) -> dict[str, Any]:
    """Read a spec file into a raw mapping, with one-line errors.

    Refused, each with one line naming the file: an empty path, a missing file, a
    directory, a device, a file over :data:`MAX_SPEC_BYTES`, text that is not UTF-8 or not
    YAML, YAML that nests too deeply or expands too far through aliases, and a top level
    that is not a mapping.
    """
    if not os.fspath(path):
        raise SpecError(
            "SPEC", "must not be empty (give a spec file, or omit SPEC for the default design)"
        )
    p = Path(path)
    shown = _flat(str(path))
    raw = _read_capped(p, shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            shown, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        data = _yaml_load(text)
    except _DuplicateKey as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = _flat(str(exc.problem))
        raise SpecError(shown, f"{where}{problem}; each key may appear once") from None
    except yaml.reader.ReaderError as exc:
        raise SpecError(
            shown,
            f"invalid YAML: character #x{exc.character:04x} at offset {exc.position} "
            "is not allowed in YAML text (a binary file?)",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise SpecError(shown, f"invalid YAML{where}: {_flat(str(problem))}") from None
    if data is None:
        raise SpecError(shown, "the file is empty")
    if not isinstance(data, dict):
        raise SpecError(
            shown,
            "the top level must be a mapping of sections, not "
            + {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
                type(data), f"a {type(data).__name__}"
            ),
        )
    return data
