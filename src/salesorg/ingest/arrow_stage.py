"""The import's staging pass on Arrow arrays: text columns trimmed (:func:`trim_blank`, every
table), and each history row compared with the next row of the file (:func:`next_row`).

The store keeps each history row's ``valid_to``: the ``changed_at`` of the same opportunity's
next change (:mod:`salesorg.model`). Exports are usually sorted by opportunity and time; then
that is simply the next row's ``changed_at`` whenever the next row is the same opportunity's,
and the same comparison of neighbours proves the sort (every key larger than the one before,
so no key repeats either: :func:`salesorg.ingest.validate.keys_ascend`).

In SQL this is ``lead(...) OVER ()``, a window over the whole file. DuckDB runs such a window
on one thread, and with it everything below it in the plan: parsing the CSV, casting the
columns. On the benchmark's 10-million-row history that single-threaded pass took 6.1 s of a
12.7 s import (issue #3). Here DuckDB parses and casts the file on every core into Arrow, and
the neighbours are compared in a few vectorised passes over the arrays (about 0.3 s), chunk by
chunk so that no array is copied to realign it, plus one comparison per chunk boundary.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from salesorg.model import OPEN_END

__all__ = ["OPEN_END_US", "NextRow", "next_row", "trim_blank"]

#: ``valid_to`` of a row with no later change of its opportunity, as numpy datetime64[us].
OPEN_END_US = np.datetime64(OPEN_END.replace(" ", "T"), "us")


class NextRow:
    """What the next row of the file says about each row (numpy arrays, one per row).

    ``next_at``: the next row's ``changed_at`` if it is the same opportunity's, else
    :data:`OPEN_END_US` (the last row too); NaT where the next row has no timestamp.
    ``key_up``: the next row's key ``(opportunity_id, changed_at)`` sorts strictly after this
    row's; False where either key has an empty part, and for the last row.
    """

    __slots__ = ("key_up", "next_at")

    def __init__(self, next_at: np.ndarray, key_up: np.ndarray) -> None:
        self.next_at = next_at
        self.key_up = key_up


def _strings_with_next(ids: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(same, less): whether each string equals / sorts before the next one (False for nulls
    and for the last row). Byte-wise order, as DuckDB compares ``VARCHAR`` by default."""
    n = len(ids)
    same = np.zeros(n, dtype=bool)
    less = np.zeros(n, dtype=bool)
    chunks = [c for c in ids.chunks if len(c)]
    pos = 0
    for i, chunk in enumerate(chunks):
        m = len(chunk)
        if m > 1:  # neighbours inside the chunk: two aligned, zero-copy slices
            a, b = chunk.slice(0, m - 1), chunk.slice(1)
            same[pos : pos + m - 1] = pc.fill_null(pc.equal(a, b), False).to_numpy(
                zero_copy_only=False
            )
            less[pos : pos + m - 1] = pc.fill_null(pc.less(a, b), False).to_numpy(
                zero_copy_only=False
            )
        pos += m
        if i + 1 < len(chunks):  # the last row of this chunk against the first of the next
            x, y = chunk[m - 1].as_py(), chunks[i + 1][0].as_py()
            if x is not None and y is not None:
                same[pos - 1] = x == y
                less[pos - 1] = x < y
    return same, less


def next_row(opportunity_ids: pa.ChunkedArray, changed_at: pa.ChunkedArray) -> NextRow:
    """Compare every row with the next one (file order); see :class:`NextRow`.

    Equal to ``CASE WHEN lead(opportunity_id) OVER () = opportunity_id THEN lead(changed_at)
    OVER () ELSE OPEN_END END`` and ``coalesce(opportunity_id < lead(opportunity_id) OVER ()
    OR (opportunity_id = lead(...) AND changed_at < lead(changed_at) OVER ()), false)``.
    """
    n = len(opportunity_ids)
    same, less = _strings_with_next(opportunity_ids)
    at = changed_at.to_numpy().astype("datetime64[us]")  # NaT where empty
    next_at = np.full(n, OPEN_END_US)
    key_up = less
    if n > 1:
        next_at[:-1] = np.where(same[:-1], at[1:], OPEN_END_US)
        key_up[:-1] |= same[:-1] & (at[:-1] < at[1:])  # NaT compares False
    return NextRow(next_at, key_up)


#: What DuckDB's ``trim`` removes: the Unicode space separators (category Zs; not tabs).
SPACES = "\u0020\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
#: Lookup tables over byte values: is it the first / the last UTF-8 byte of a space of
#: :data:`SPACES`.
_FIRST_BYTES = np.zeros(256, dtype=bool)
_FIRST_BYTES[[c.encode()[0] for c in SPACES]] = True
_LAST_BYTES = np.zeros(256, dtype=bool)
_LAST_BYTES[[c.encode()[-1] for c in SPACES]] = True


def _edges(chunk: pa.Array) -> tuple[bool, bool]:
    """(may start or end with a space, may be empty) for one string chunk, from the first and
    last byte of every value (a superset: a False is certain, a True is checked exactly)."""
    if chunk.type not in (pa.string(), pa.large_string()):
        return True, True
    _validity, offsets_buf, data_buf = chunk.buffers()
    width = np.int32 if chunk.type == pa.string() else np.int64
    offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
    maybe_empty = bool((offsets[1:] == offsets[:-1]).any())
    if data_buf is None or offsets[-1] == offsets[0]:
        return False, maybe_empty
    data = np.frombuffer(data_buf, dtype=np.uint8)
    # an empty value reads a neighbour's byte here: at worst a needless exact trim
    first = data[np.minimum(offsets[:-1], offsets[-1] - 1)]
    last = data[np.maximum(offsets[1:] - 1, offsets[0])]
    padded = bool(_FIRST_BYTES[first].any() or _LAST_BYTES[last].any())
    return padded, maybe_empty


def trim_blank(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """DuckDB's ``nullif(trim(text), '')`` on an Arrow string column: space separators cut
    from both ends (:data:`SPACES`), empty strings made NULL.

    Exports rarely pad their values, so a look at the first and last byte of every value
    usually finds nothing to do and the column is kept as it is; SQL's ``trim`` builds a new
    string for every value (1.1 CPU s for the four text columns of the benchmark's
    10-million-row history).
    """
    edges = [_edges(c) for c in text.chunks]
    if any(padded for padded, _ in edges):
        text = pc.utf8_trim(text, SPACES)
        edges = [(False, True)]
    if any(maybe_empty for _, maybe_empty in edges):
        empty = pc.equal(text, "")
        if pc.any(empty).as_py():
            text = pc.if_else(empty, pa.scalar(None, text.type), text)
    return text
