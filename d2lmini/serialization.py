"""Files of arrays: NumPy .npz archives, written atomically, read as hostile input.

Loading a file from a stranger never runs code and never half-loads: npzread checks
the whole file before reading any array, and everything that goes wrong is a
FileFormatError. A save goes to a temporary file beside the target, is flushed to
disk and renamed over it only when complete; temporaries left by a killed save are
removed by a later save of the same file. Shown in chapter05/06_file_io.ipynb.
"""

import json
import os
import time

import numpy as onp

from .errors import FileFormatError
from .npzread import DTYPES, META, fail, read_file

_VERSION = 1
KINDS = ("list", "dict", "parameters")
_STARTED = [os.getpid(), time.time()]  # temporaries older than this process are stale
_TMP = ".d2lmini-"


def check_name(name):
    """Refuse an array name a file could not hold or give back unchanged."""
    if (not isinstance(name, str) or not name or name == META or len(name) > 1024
            or "/" in name or "\\" in name or name in (".", "..")
            or not name.isprintable()):
        raise ValueError(
            f"cannot save an array under the name {name!r}: names must be non-empty "
            "printable strings without '/' or '\\' (such as '0.weight')")


def save_arrays(path, arrays, kind, digest=False):
    """Write `arrays` (name -> NumPy array) to `path` atomically, tagged with `kind`.

    digest=True returns the SHA-256 (hex) of the file written."""
    import zipfile  # used only here: imported on first save

    path = os.fspath(path)
    entries = [(META, onp.array(json.dumps({"kind": kind, "version": _VERSION})))]
    for name, value in arrays.items():
        check_name(name)
        value = onp.asarray(value)
        if value.dtype.hasobject:
            raise TypeError(
                f"cannot save {name!r}: it holds Python objects, which "
                "would need pickle; save numeric arrays only"
            )
        if value.dtype.str not in DTYPES:
            raise TypeError(
                f"cannot save {name!r}: its dtype {value.dtype} is not one a d2lmini "
                "file holds (bool, int8..int64, uint8..uint64, float16..float64); "
                "convert it with .astype('float32') first")
        entries.append((name, value))

    def write(f):
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
            for name, value in entries:  # a fixed date: same arrays, same bytes
                info = zipfile.ZipInfo(name + ".npy", (1980, 1, 1, 0, 0, 0))
                with archive.open(info, "w", force_zip64=True) as member:
                    onp.lib.format.write_array(member, value, allow_pickle=False)

    return _write_atomically(path, write, digest)


def save_text(path, text):
    """Write `text` (UTF-8) to `path` atomically, like save_arrays."""
    _write_atomically(os.fspath(path), lambda f: f.write(text.encode("utf-8")))


def _write_atomically(path, write, digest=False):
    """write(f) into a temporary file beside `path`, flushed, renamed over it."""
    import tempfile  # used only when saving: imported on first save

    folder = os.path.dirname(os.path.abspath(path))
    prefix = f"{_TMP}{os.path.basename(path)[:80]}-"
    remove_stale(folder, prefix)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
            sha = _sha256(f) if digest else None
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _sync_folder(folder)
    return sha


def _sha256(f):
    import hashlib

    h = hashlib.sha256()
    f.seek(0)
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def file_sha256(path):
    with open(path, "rb") as f:
        return _sha256(f)


def _sync_folder(folder):
    """Make the rename itself durable (POSIX); a no-op where folders cannot sync."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale(folder, prefix):
    """Delete temporaries of earlier, killed saves to the same file (`prefix`) and of
    older d2lmini versions, when they are older than this process."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        ours = name.startswith(prefix) and len(name) == len(prefix) + 12
        old = name.startswith(_TMP) and len(name) == len(_TMP) + 12
        if not (ours or old) or not name.endswith(".tmp"):
            continue
        full = os.path.join(folder, name)
        try:
            if os.stat(full).st_mtime < _started():
                os.unlink(full)
        except OSError:
            pass  # gone already, or not ours to remove


def _started():
    """When this process started: d2lmini's import, or the fork that made it."""
    if _STARTED[0] != os.getpid():
        _STARTED[:] = os.getpid(), time.time()
    return _STARTED[1]


def load_arrays(path):
    """Read a file written by save_arrays (or any .npz/.npy): (kind, {name: array}).

    Everything is checked before anything is returned; a bad file raises
    FileFormatError (file, member, what was wrong, what to do)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"no such file: {path!r} (working directory {os.getcwd()!r})"
        )
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a folder, not a file of arrays")
    pairs, single = read_file(path)
    arrays = {name: value for name, value in pairs if name != META}
    kind = "list" if single else "dict"
    if len(arrays) < len(pairs):
        kind = _kind(path, next(v for n, v in pairs if n == META))
    if kind == "list":
        want = [str(i) for i in range(len(arrays))]
        if sorted(arrays, key=lambda k: (len(k), k)) != want:
            raise fail(path, None, f"it is a list file but its members are "
                       f"{_few(arrays)}, not {_few(want)}")
        arrays = {k: arrays[k] for k in want}
    return kind, arrays


def _few(names):
    names = list(names)
    return ", ".join(names[:5]) + (f", ... ({len(names)} in all)"
                                   if len(names) > 5 else "")


def _kind(path, value):
    """The kind recorded in the header member, checked against its schema."""
    try:
        text = str(value[()])
        doc = json.loads(text, parse_constant=float)
    except (ValueError, RecursionError, TypeError):
        raise fail(path, META, "the d2lmini header is not valid JSON") from None
    if (not isinstance(doc, dict) or set(doc) != {"kind", "version"}
            or doc["kind"] not in KINDS or type(doc["version"]) is not int):
        raise fail(path, META, 'expected the d2lmini header {"kind": "list" | "dict" '
                   f'| "parameters", "version": 1}}, found {text[:80]!r}')
    if doc["version"] != _VERSION:
        raise FileFormatError(
            f"{path!r}: written by another version of d2lmini (file format "
            f"{doc['version']}, this one reads {_VERSION}); save it again with "
            "this version.")
    return doc["kind"]

