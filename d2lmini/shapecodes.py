"""MXNet's special reshape codes turned into plain shapes: 1.x's nd.reshape (0, -1,
-2, -3, -4) and 2.x's npx.reshape (-1 .. -6). Pure shape arithmetic, no arrays.
"""


def _infer(shape, out, spec):
    known = 1
    for d in out:
        known *= d if d != -1 else 1
    total = 1
    for d in shape:
        total *= d
    if out.count(-1) > 1 or (-1 in out and (known == 0 or total % known)):
        raise ValueError(f"reshape: cannot reshape an array of shape {shape} with "
                         f"{spec}: the sizes do not fit")
    return tuple(total // known if d == -1 else d for d in out)


def _codes(shape, spec, reverse, table, name):
    """Apply `table` (code -> how it reads the input shape) left to right; reverse
    reads both from the right, as MXNet's reverse=True does."""
    spec = [int(s) for s in (spec if isinstance(spec, (list, tuple)) else (spec,))]
    split = table["split"]
    if reverse:
        if split in spec:
            raise ValueError(f"{name}: reverse=True with the split code {split} is "
                             "not supported; reshape without reverse")
        return _codes(shape[::-1], spec[::-1], False, table, name)[::-1]
    out, i, j = [], 0, 0
    while j < len(spec):
        code = spec[j]
        if code > 0 or code == -1:
            out.append(code)
            i += 1
        elif code == table.get("copy"):
            out.append(shape[i])
            i += 1
        elif code == table.get("skip"):
            if shape[i] != 1:
                raise ValueError(f"{name}: code {code} drops an axis of length 1, "
                                 f"but axis {i} of {tuple(shape)} has length "
                                 f"{shape[i]}")
            i += 1
        elif code == table["rest"]:
            out.extend(shape[i:])
            i = len(shape)
        elif code == table["merge"]:
            out.append(shape[i] * shape[i + 1])
            i += 2
        elif code == split:
            a, b = spec[j + 1], spec[j + 2]
            a = shape[i] // b if a == -1 else a
            b = shape[i] // a if b == -1 else b
            out.extend([a, b])
            i, j = i + 1, j + 2
        else:
            raise ValueError(f"{name}: unknown shape code {code} in {spec}")
        j += 1
    return tuple(out)


_V1 = {"copy": 0, "rest": -2, "merge": -3, "split": -4}
_V2 = {"copy": -2, "skip": -3, "rest": -4, "merge": -5, "split": -6}


def shape_v1(shape, spec, reverse=False):
    """The shape nd.reshape(x, spec) gives for an x of `shape`."""
    return _infer(shape, list(_codes(shape, spec, reverse, _V1, "reshape")), spec)


def shape_v2(shape, spec, reverse=False):
    """The shape npx.reshape(x, spec) gives for an x of `shape`."""
    return _infer(shape, list(_codes(shape, spec, reverse, _V2, "npx.reshape")), spec)
