"""Reading .npz and .npy files as hostile input, without pickle and without zipfile.

Every file is checked before anything is decompressed or allocated: the zip end
record and central directory (parsed here with struct), each member's name, flags,
compression method, sizes and place in the file, then each member's .npy header
(parsed here, not by NumPy) with a whitelist of numeric dtypes and a shape that must
match the member's size. Only then are members read, into arrays allocated once,
with decompression stopped past the declared size and every CRC checked. Every
failure is a FileFormatError naming the file, the member, what was wrong and what to
do. serialization.load_arrays is the one entry point (npx.load, load_parameters and
SymbolBlock.imports all go through it).
"""

import ast
import re
import struct
import zlib

import numpy as onp

from .errors import FileFormatError

MAX_MEMBERS = 10_000  # arrays in one archive
MAX_HEADER = 4096  # bytes of one .npy header's text (NumPy writes about 128)
MAX_NDIM = 32
# A DEFLATE member may expand at most this much (our own files are stored, not
# compressed); besides, every archive may hold SLACK bytes however they compress.
MAX_RATIO, SLACK = 32, 16 << 20
CHUNK = 1 << 20
_CODES = ("b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8")
DTYPES = {order + code: onp.dtype(order + code)
          for code in _CODES for order in "<>|="}
META = "__d2lmini__"
_FLAGS_OK = 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0800  # bit 0 refused separately
_EOCD, _EOCD64, _LOC64 = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
_CENTRAL, _LOCAL = b"PK\x01\x02", b"PK\x03\x04"
_NPY = b"\x93NUMPY"
RESAVE = ("It is damaged, truncated or not written by d2lmini or NumPy; save it "
          "again (npx.save, net.save_parameters) or ask for a fresh copy.")


def fail(path, member, what, fix=RESAVE):
    where = repr(path) if member is None else f"{path!r}, member {member!r}"
    return FileFormatError(f"{where}: {what}. {fix}")


class Member:
    """One array of an archive: where it lies and what its header declared."""

    __slots__ = ("name", "raw", "method", "crc", "csize", "usize", "local", "start",
                 "end", "dtype", "shape", "fortran", "skip")


def read_file(path):
    """([(name, array)] in file order, is_npy): a .npz archive, or a .npy file as
    [('0', array)]."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        head = f.read(8)
        if head.startswith(b"\x80"):
            raise FileFormatError(
                f"{path!r} holds pickled Python objects. d2lmini refuses to unpickle "
                "(it could run code from the file). Save arrays with npx.save or "
                "net.save_parameters instead.")
        if head.startswith(_NPY):
            return [("0", _read_npy(f, path, size))], True
        if head[:4] in (_LOCAL, _EOCD):
            return _read_zip(f, path, size), False
        raise fail(path, None, f"expected a .npz (zip) or .npy file, found {size} "
                   f"bytes starting with {head[:8]!r}")


def _exact(f, path, member, offset, n):
    f.seek(offset)
    data = f.read(n)
    if len(data) != n:
        raise fail(path, member, f"the file ends at byte {offset + len(data)} but "
                   f"{n} bytes were expected at {offset} (truncated)")
    return data


# ---- .npy headers -------------------------------------------------------------------
def parse_header(raw, path, member, text_ok=False):
    """(dtype, fortran_order, shape, header length) from the start of a .npy.

    text_ok: also accept a short unicode scalar (the d2lmini header member)."""
    if len(raw) < 10 or not raw.startswith(_NPY):
        raise fail(path, member, "expected a .npy array starting with b'\\x93NUMPY'"
                   f", found {raw[:8]!r}")
    major = raw[6]
    if major not in (1, 2, 3) or raw[7] != 0:
        raise fail(path, member, f".npy format version {major}.{raw[7]} is not one "
                   "of 1.0, 2.0, 3.0")
    size_of = 2 if major == 1 else 4
    start = 8 + size_of
    length = int.from_bytes(raw[8:start], "little")
    if length > MAX_HEADER:
        raise fail(path, member, f"its .npy header is {length} bytes long, more "
                   f"than the {MAX_HEADER} a d2lmini file needs")
    text = raw[start:start + length]
    if len(text) != length:
        raise fail(path, member, "its .npy header is cut short (truncated)")
    try:
        text = text.decode("utf-8" if major == 3 else "latin-1")
        tree = ast.parse(text.strip(), mode="eval").body
    except (UnicodeDecodeError, SyntaxError, ValueError, RecursionError,
            MemoryError):
        raise fail(path, member, "its .npy header is not a Python dict literal "
                   f"(found {text[:60]!r})") from None
    dtype, fortran, shape = _header_fields(tree, path, member, text_ok)
    return dtype, fortran, shape, start + length


def _header_fields(tree, path, member, text_ok):
    expected = ("a .npy header {'descr': '<f4', 'fortran_order': False, "
                "'shape': (2, 3)}")
    keys = [k.value if isinstance(k, ast.Constant) else None
            for k in getattr(tree, "keys", [])]
    if not isinstance(tree, ast.Dict) or sorted(map(str, keys)) != [
            "descr", "fortran_order", "shape"]:
        raise fail(path, member, f"expected {expected}, found {ast.dump(tree)[:80]}")
    fields = dict(zip(keys, tree.values))
    descr = fields["descr"]
    if not (isinstance(descr, ast.Constant) and isinstance(descr.value, str)):
        what = "a structured (record) dtype" if isinstance(descr, ast.List) else \
            ast.dump(descr)[:60]
        raise fail(path, member, f"dtype {what} is not a plain numeric dtype", _FIX_DT)
    text = text_ok and re.fullmatch(r"<U[1-9][0-9]{0,3}", descr.value)
    if descr.value not in DTYPES and not text:
        if descr.value.lstrip("<>|=") in ("O", "O8", "O4"):
            raise FileFormatError(
                f"{path!r}, member {member!r} holds pickled Python objects. d2lmini "
                "refuses to unpickle (it could run code from the file). Save arrays "
                "with npx.save or net.save_parameters instead.")
        raise fail(path, member, f"dtype {descr.value[:20]!r} is not one of bool, "
                   "int8..int64, uint8..uint64, float16, float32, float64", _FIX_DT)
    order = fields["fortran_order"]
    if not (isinstance(order, ast.Constant) and type(order.value) is bool):
        raise fail(path, member, f"'fortran_order' must be True or False, found "
                   f"{ast.dump(order)[:60]}")
    dims = fields["shape"]
    if not isinstance(dims, ast.Tuple) or len(dims.elts) > MAX_NDIM or not all(
            isinstance(d, ast.Constant) and type(d.value) is int and 0 <= d.value
            < 2**62 for d in dims.elts):
        raise fail(path, member, f"'shape' must be a tuple of at most {MAX_NDIM} "
                   f"non-negative integers, found {ast.dump(dims)[:80]}")
    shape = tuple(d.value for d in dims.elts)
    if text and shape:
        raise fail(path, member, f"the d2lmini header must be one string, found "
                   f"shape {shape}")
    return onp.dtype(descr.value), order.value, shape


_FIX_DT = ("d2lmini reads numeric and bool arrays only; convert the array, e.g. "
           "x.astype('float32'), and save it again.")


def _nbytes(dtype, shape):
    count = 1
    for d in shape:
        count *= d
    return count * dtype.itemsize


def _read_npy(f, path, size):
    raw = _exact(f, path, None, 0, min(size, 12 + MAX_HEADER))
    dtype, fortran, shape, offset = parse_header(raw, path, "(the .npy file)")
    want = _nbytes(dtype, shape)
    if want != size - offset:
        raise fail(path, None, f"its header declares {dtype.name} {shape}, "
                   f"{want} bytes of data, but the file holds {size - offset}")
    array = onp.empty(shape[::-1] if fortran else shape, dtype)
    f.seek(offset)
    view = memoryview(array.reshape(-1).view(onp.uint8))
    done = 0
    while done < want:
        n = f.readinto(view[done:done + CHUNK])
        if not n:
            raise fail(path, None, "the file ended while reading (truncated)")
        done += n
    return _finish(array, fortran)


def _finish(array, fortran):
    if not array.dtype.isnative:  # big-endian: converted, never handed out
        array.byteswap(inplace=True)
        array = array.view(array.dtype.newbyteorder("="))
    return onp.ascontiguousarray(array.T) if fortran else array


# ---- zip archives -------------------------------------------------------------------
def _read_zip(f, path, size):
    count, cd_start, cd_end = _end_record(f, path, size)
    if count == 0:
        raise fail(path, None, "it is an empty archive: no arrays and no d2lmini "
                   "header")
    if count > MAX_MEMBERS:
        raise fail(path, None, f"it declares {count} members, more than the "
                   f"{MAX_MEMBERS} a d2lmini file may hold")
    central = _exact(f, path, None, cd_start, cd_end - cd_start)
    members = _central_directory(central, count, path, cd_start)
    _locate(f, path, members, cd_start)
    packed = [m for m in members if m.method == 8]
    expanded = sum(m.usize for m in packed)
    if expanded > SLACK + MAX_RATIO * sum(m.csize for m in packed):
        raise fail(path, packed[0].name, f"its compressed members declare {expanded}"
                   f" bytes, more than {MAX_RATIO} times their compressed size; it "
                   "looks like a decompression bomb",
                   "Save large arrays uncompressed (npx.save, numpy.savez).")
    for m in members:  # every header first: no data is read before all pass
        _member_header(f, path, m)
    return [(m.name, _member_data(f, path, m)) for m in members]


def _end_record(f, path, size):
    """(member count, central directory start, its end) from the end record."""
    tail_at = max(0, size - 22 - 0xFFFF)
    tail = _exact(f, path, None, tail_at, size - tail_at)
    at = len(tail)
    while True:  # the record whose comment runs exactly to the end of the file
        at = tail.rfind(_EOCD, 0, at)
        if at < 0:
            raise fail(path, None, "expected a zip end record (a .npz file); found "
                       "none (truncated, or not a zip)")
        if len(tail) - at >= 22:
            fields = struct.unpack("<4s4H2LH", tail[at:at + 22])
            if at + 22 + fields[7] == len(tail):
                break
    _, disk, cd_disk, here, count, cd_size, cd_start, _ = fields
    where = tail_at + at
    if disk or cd_disk or here != count:
        raise fail(path, None, "it is a multi-disk (split) zip archive")
    if 0xFFFF in (count,) or 0xFFFFFFFF in (cd_size, cd_start):
        loc = _exact(f, path, None, where - 20, 20) if where >= 20 else b""
        if not loc.startswith(_LOC64):
            raise fail(path, None, "its end record points to a zip64 record that "
                       "is not there")
        _, _, where, _ = struct.unpack("<4sLQL", loc)
        if where > size - 56:
            raise fail(path, None, "its zip64 record lies outside the file")
        rec = struct.unpack("<4sQ2H2L4Q", _exact(f, path, None, where, 56))
        if rec[0] != _EOCD64 or rec[4] or rec[5] or rec[6] != rec[7]:
            raise fail(path, None, "its zip64 end record is malformed or multi-disk")
        count, cd_size, cd_start = rec[7], rec[8], rec[9]
    if cd_start + cd_size != where:
        raise fail(path, None, f"its central directory ({cd_size} bytes at "
                   f"{cd_start}) does not end where the end record starts ({where})")
    return count, cd_start, where


def _central_directory(central, count, path, cd_start):
    members, seen, at = [], set(), 0
    for index in range(count):
        if at + 46 > len(central) or central[at:at + 4] != _CENTRAL:
            raise fail(path, None, f"entry {index} of the central directory is "
                       "missing or malformed")
        (_, _, needed, flags, method, _, _, crc, csize, usize, nlen, xlen, clen,
         disk, _, _, offset) = struct.unpack("<4s6H3L5H2L", central[at:at + 46])
        raw = central[at + 46:at + 46 + nlen]
        extra = central[at + 46 + nlen:at + 46 + nlen + xlen]
        at += 46 + nlen + xlen + clen
        if at > len(central):
            raise fail(path, None, f"entry {index} runs past the central directory")
        try:
            name = raw.decode("utf-8" if flags & 0x0800 else "cp437")
        except UnicodeDecodeError:
            raise fail(path, None, f"entry {index} has a name that is not UTF-8 "
                       f"({raw[:40]!r})") from None
        if flags & 0x0001:
            raise fail(path, name, "it is encrypted", "d2lmini reads unencrypted "
                       "files only; save the arrays again without a password.")
        if flags & ~_FLAGS_OK or (needed & 0xFF) > 45:
            raise fail(path, name, f"it uses zip features d2lmini does not read "
                       f"(flag bits {flags:#06x}, needs zip version "
                       f"{(needed & 0xFF) / 10})")
        if method not in (0, 8):
            raise fail(path, name, f"it is compressed with zip method {method}; "
                       "d2lmini reads stored (0) and DEFLATE (8) members",
                       "Save it again with npx.save, numpy.savez or "
                       "numpy.savez_compressed.")
        usize, csize, offset = _zip64(extra, usize, csize, offset, path, name)
        if disk:
            raise fail(path, name, "it lies on another disk of a split archive")
        m = Member()
        m.name, m.method, m.crc, m.csize, m.usize = _stem(name, path, seen), \
            method, crc, csize, usize
        m.start, m.raw = offset, raw
        if method == 0 and csize != usize:
            raise fail(path, name, f"it is stored uncompressed but declares "
                       f"{csize} bytes stored and {usize} bytes of content")
        if offset + 30 > cd_start:
            raise fail(path, name, "its local header lies past the central directory")
        members.append(m)
    if at != len(central):
        raise fail(path, None, f"its central directory holds {len(central) - at} "
                   "bytes more than its entries")
    return members


def _zip64(extra, usize, csize, offset, path, name):
    at = 0
    while at + 4 <= len(extra):
        tag, n = struct.unpack("<2H", extra[at:at + 4])
        body = extra[at + 4:at + 4 + n]
        at += 4 + n
        if tag != 1:
            continue
        values = []
        for need in (usize, csize, offset):
            if need == 0xFFFFFFFF:
                if len(body) < 8 * (len(values) + 1):
                    raise fail(path, name, "its zip64 extra field is too short")
                values.append(struct.unpack("<Q", body[8 * len(values):
                                                       8 * len(values) + 8])[0])
            else:
                values.append(None)
        usize, csize, offset = [v if v is not None else old for v, old in
                                zip(values, (usize, csize, offset))]
    if 0xFFFFFFFF in (usize, csize, offset):
        raise fail(path, name, "it declares zip64 sizes without a zip64 field")
    return usize, csize, offset


def _stem(name, path, seen):
    """The array name of member `name` ('w.npy' -> 'w'), checked."""
    if not name.endswith(".npy") or len(name) == 4:
        raise fail(path, name, "expected a member named '<array name>.npy'",
                   "A .npz file holds .npy arrays only; save it with npx.save or "
                   "numpy.savez.")
    stem = name[:-4]
    if (len(stem) > 1024 or "/" in stem or "\\" in stem or stem in (".", "..")
            or not stem.isprintable()):
        raise fail(path, name, "its name has path parts or unprintable characters",
                   "Array names are plain words such as '0.weight'; save the arrays "
                   "again under such names.")
    if stem in seen:
        raise fail(path, name, "the archive holds two members of this name; which "
                   "one is meant is unclear")
    seen.add(stem)
    return stem


def _locate(f, path, members, cd_start):
    """Each member's data range, from its local header; ranges may not overlap."""
    for m in members:
        local = struct.unpack("<4s5H3L2H", _exact(f, path, m.name, m.start, 30))
        name = _exact(f, path, m.name, m.start + 30, min(local[9], len(m.raw)))
        if local[0] != _LOCAL or local[3] != m.method or name != m.raw:
            raise fail(path, m.name, "its local header is missing or disagrees with "
                       "the central directory")
        data = m.start + 30 + local[9] + local[10]
        if data + m.csize > cd_start:
            raise fail(path, m.name, f"its {m.csize} bytes of data run past the "
                       "central directory")
        m.local, m.start, m.end = m.start, data, data + m.csize
    order = sorted(members, key=lambda m: m.local)
    for a, b in zip(order, order[1:]):
        if a.end > b.local:
            raise fail(path, b.name, f"it overlaps member {a.name!r}; members of a "
                       "real archive never share bytes")


def _inflate(f, m, limit, path):
    """The member's content in chunks, stopping as soon as it passes `limit` bytes."""
    f.seek(m.start)
    if m.method == 0:
        left = min(limit, m.csize)
        while left:
            piece = f.read(min(CHUNK, left))
            if not piece:
                raise fail(path, m.name, "the file ends inside this member")
            left -= len(piece)
            yield piece
        return
    d, left, tail = zlib.decompressobj(-15), m.csize, b""
    try:
        while not d.eof and limit >= 0:
            if not tail and left:
                tail = f.read(min(CHUNK, left))
                left -= len(tail)
                if not tail:
                    raise fail(path, m.name, "the file ends inside this member")
            out = d.decompress(tail, min(CHUNK, limit + 1))
            tail = d.unconsumed_tail
            if not out and not tail and not left and not d.eof:
                raise fail(path, m.name, "its compressed data ends early (truncated)")
            limit -= len(out)
            yield out
    except zlib.error as exc:
        raise fail(path, m.name, f"its compressed data is corrupt ({exc})") from None


def _member_header(f, path, m):
    raw, need = b"", min(m.usize, 12 + MAX_HEADER)
    pieces = _inflate(f, m, need, path)
    for piece in pieces:
        raw += piece
        if len(raw) >= need:
            break
    pieces.close()
    m.dtype, m.fortran, m.shape, hlen = parse_header(raw, path, m.name,
                                                     m.name == META)
    if _nbytes(m.dtype, m.shape) != m.usize - hlen:
        raise fail(path, m.name, f"its header declares {m.dtype.name} {m.shape}, "
                   f"{_nbytes(m.dtype, m.shape)} bytes, but the member holds "
                   f"{m.usize - hlen} bytes after the header")
    m.skip = hlen


def _member_data(f, path, m):
    array = onp.empty(m.shape[::-1] if m.fortran else m.shape, m.dtype)
    out = memoryview(array.reshape(-1).view(onp.uint8))
    crc, done, header = 0, 0, m.skip
    for piece in _inflate(f, m, m.usize, path):
        crc = zlib.crc32(piece, crc)
        if header:
            used = min(header, len(piece))
            header -= used
            piece = piece[used:]
        if done + len(piece) > len(out):
            raise fail(path, m.name, "it holds more data than its header declares")
        out[done:done + len(piece)] = piece
        done += len(piece)
    if done != len(out) or header:
        raise fail(path, m.name, f"it holds {done} bytes of data, its header "
                   f"declares {len(out)} (truncated)")
    if crc != m.crc:
        raise fail(path, m.name, "its CRC-32 checksum does not match its content "
                   "(the file is damaged)")
    return _finish(array, m.fortran)
