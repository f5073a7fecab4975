"""Hand-made .npz and .npy bytes for the file-format tests and the fuzzer.

A zip written field by field (struct), so a test can set any flag, method, size,
offset or name, including ones zipfile would never write.
"""

import io
import struct
import zlib

import numpy as onp


def npy(array=None, header=None, version=1, data=None):
    """The bytes of a .npy file: of `array`, or with a header text of our own."""
    if header is None:
        buf = io.BytesIO()
        onp.lib.format.write_array(buf, onp.asarray(array), allow_pickle=False)
        return buf.getvalue()
    text = header.encode("latin-1") if isinstance(header, str) else header
    size = struct.pack("<H" if version == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text + (data or b"")


def member(name, content, method=0, flags=0, needed=20, **over):
    """One archive entry; `over` replaces computed fields (crc, csize, usize)."""
    body = zlib.compressobj(9, zlib.DEFLATED, -15) if method == 8 else None
    packed = body.compress(content) + body.flush() if body else content
    entry = dict(name=name.encode() if isinstance(name, str) else name,
                 content=content, packed=packed, method=method, flags=flags,
                 needed=needed, crc=zlib.crc32(content), csize=len(packed),
                 usize=len(content), offset=None)
    entry.update(over)
    return entry


def archive(members, comment=b"", eocd=None):
    """A zip of `members`; `eocd` overrides end-record fields (count, size, ...)."""
    out = bytearray()
    for m in members:
        if m.get("offset") is None:
            m["offset"] = len(out)
            out += struct.pack("<4s5H3L2H", b"PK\x03\x04", m["needed"], m["flags"],
                               m["method"], 0, 33, m["crc"], m["csize"] & 0xFFFFFFFF,
                               m["usize"] & 0xFFFFFFFF, len(m["name"]), 0)
            out += m["name"] + m["packed"]
    start = len(out)
    for m in members:
        out += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, m["needed"], m["flags"],
                           m["method"], 0, 33, m["crc"], m["csize"] & 0xFFFFFFFF,
                           m["usize"] & 0xFFFFFFFF, len(m["name"]), 0, 0, 0, 0, 0,
                           m["offset"])
        out += m["name"]
    fields = dict(count=len(members), size=len(out) - start, start=start,
                  comment_len=len(comment))
    fields.update(eocd or {})
    if fields["count"] > 0xFFFF:  # zip64: the end record only points onwards
        at = len(out)
        out += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0,
                           fields["count"], fields["count"], fields["size"],
                           fields["start"])
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
        fields["count"] = 0xFFFF
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, fields["count"],
                       fields["count"], fields["size"], fields["start"],
                       fields["comment_len"])
    return bytes(out + comment)


def npz(arrays, method=0):
    """A well-formed archive of name -> array, stored or DEFLATE."""
    return archive([member(k + ".npy", npy(v), method) for k, v in arrays.items()])


def zeros_member(name, head, count, **over):
    """A DEFLATE member of `head` then `count` zero bytes, packed without ever
    holding them all (a decompression bomb when `count` is large)."""
    packer, crc = zlib.compressobj(9, zlib.DEFLATED, -15), zlib.crc32(head)
    packed = [packer.compress(head)]
    block = bytes(1 << 20)
    for start in range(0, count, len(block)):
        piece = block[:min(len(block), count - start)]
        packed.append(packer.compress(piece))
        crc = zlib.crc32(piece, crc)
    packed.append(packer.flush())
    entry = dict(name=name.encode(), content=None, packed=b"".join(packed), method=8,
                 flags=0, needed=20, crc=crc, usize=len(head) + count, offset=None)
    entry["csize"] = len(entry["packed"])
    entry.update(over)
    return entry
