"""The AttributeError for a name d2lmini does not have: which module or object was
asked, and the spelling to use instead (from a table, or the closest existing name).
Used by np, npx, nd, F and ndarray; the advice is worked out only when shown.
"""


class _Missing(AttributeError):
    """An AttributeError whose advice is worked out only when it is shown, so that
    hasattr() on a missing name stays cheap."""

    def __init__(self, owner, name, names, spellings, prefix):
        super().__init__(name)
        self.name = name
        self._about = owner, names, spellings, prefix

    def __str__(self):
        owner, names, spellings, prefix = self._about
        hint = spellings.get(self.name)
        if hint is None:
            names = names() if callable(names) else names
            import difflib  # only when shown: keeps import d2lmini fast

            close = difflib.get_close_matches(
                self.name, [n for n in names if not n.startswith("_")], n=1,
                cutoff=0.75)
            hint = f"{prefix}{close[0]}" if close else None
        advice = f"; use {hint}" if hint else "; d2lmini does not offer it"
        return f"{owner} has no attribute {self.name!r}{advice}"


def no_attribute(owner, name, names, spellings, prefix):
    """The AttributeError for a missing name: where, and what to write instead."""
    if name.startswith("_"):
        return AttributeError(f"{owner!r} object has no attribute {name!r}")
    return _Missing(owner, name, names, spellings, prefix)
