"""The compiled order-book replay behind :func:`pointline.research.book.book` (numba).

One pass over the updates, already in replay order, with the book of each side held in two
sorted arrays (keys, quantities) whose best level is the LAST element: an update near the top
of the book looks at and moves only the few levels above it. Bids are keyed
by price (ascending), asks by ``~price`` (bitwise not: ``-price - 1``, which reverses the
order without the overflow of ``-price``), so one routine serves both sides.

Everything is Int64: prices and quantities are copied, never converted.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - exercised only where numba is missing
    njit = None

MISSING_NUMBA = (
    "the order-book replay needs numba, an optional dependency: "
    "install it with `pip install 'pointline[research]'` (or `uv add numba`)"
)

_INITIAL_LEVELS = 1024


def _upsert(keys, qtys, n, key, qty):  # pragma: no cover - compiled
    """Set the level ``key`` to ``qty`` (0 removes it); returns the new level count.

    The level is looked for from the best end: most updates are near the top of the book, and
    the levels between it and the best are the ones moved anyway when it is added or removed.
    """
    j = n - 1
    while j >= 0 and keys[j] > key:
        j -= 1
    if j >= 0 and keys[j] == key:
        if qty == 0:
            for m in range(j, n - 1):
                keys[m] = keys[m + 1]
                qtys[m] = qtys[m + 1]
            return n - 1
        qtys[j] = qty
        return n
    if qty == 0:
        return n
    for m in range(n, j + 1, -1):
        keys[m] = keys[m - 1]
        qtys[m] = qtys[m - 1]
    keys[j + 1] = key
    qtys[j + 1] = qty
    return n + 1


def _grown(array, n):  # pragma: no cover - compiled
    bigger = np.empty(array.shape[0] * 2, dtype=array.dtype)
    bigger[:n] = array[:n]
    return bigger


def _replay(t, is_bid, price, qty, is_snapshot, bounds, depth):  # pragma: no cover - compiled
    """Replay the updates and record the book at every boundary.

    Args:
        t: replay time of each update (sorted, with ties already in replay order).
        is_bid: True for a bid level, False for an ask level.
        price, qty: the level and its new absolute quantity (0 removes it).
        is_snapshot: a run of True that starts the arrays or follows a False resets the book.
        bounds: the boundaries, ascending; the book at ``b`` holds every update with ``t < b``.
        depth: most levels kept per side.

    Returns:
        ``(bid_offsets, bid_prices, bid_qtys, ask_offsets, ask_prices, ask_qtys, crossed)``:
        per side, the levels of boundary ``k`` (best first) are ``[offsets[k]:offsets[k+1]]``
        of the flat price and quantity arrays; ``crossed[k]`` is best bid >= best ask (False
        while a side is empty).
    """
    n_updates = t.shape[0]
    n_bounds = bounds.shape[0]
    capacity = max(n_bounds * min(depth, 32), 1)
    bid_offsets = np.zeros(n_bounds + 1, dtype=np.int64)
    ask_offsets = np.zeros(n_bounds + 1, dtype=np.int64)
    out_bp = np.empty(capacity, dtype=np.int64)
    out_bq = np.empty(capacity, dtype=np.int64)
    out_ap = np.empty(capacity, dtype=np.int64)
    out_aq = np.empty(capacity, dtype=np.int64)
    crossed = np.zeros(n_bounds, dtype=np.bool_)

    bk = np.empty(_INITIAL_LEVELS, dtype=np.int64)
    bq = np.empty(_INITIAL_LEVELS, dtype=np.int64)
    ak = np.empty(_INITIAL_LEVELS, dtype=np.int64)
    aq = np.empty(_INITIAL_LEVELS, dtype=np.int64)
    nb = 0
    na = 0
    ob = 0
    oa = 0
    previous_snapshot = False
    i = 0
    for k in range(n_bounds):
        bound = bounds[k]
        while i < n_updates and t[i] < bound:
            snapshot = is_snapshot[i]
            if snapshot and not previous_snapshot:
                nb = 0
                na = 0
            previous_snapshot = snapshot
            if is_bid[i]:
                if nb == bk.shape[0]:
                    bk = _grown(bk, nb)
                    bq = _grown(bq, nb)
                nb = _upsert(bk, bq, nb, price[i], qty[i])
            else:
                if na == ak.shape[0]:
                    ak = _grown(ak, na)
                    aq = _grown(aq, na)
                na = _upsert(ak, aq, na, ~price[i], qty[i])
            i += 1
        shown = min(nb, depth)
        while ob + shown > out_bp.shape[0]:
            out_bp = _grown(out_bp, ob)
            out_bq = _grown(out_bq, ob)
        for j in range(shown):
            out_bp[ob + j] = bk[nb - 1 - j]
            out_bq[ob + j] = bq[nb - 1 - j]
        ob += shown
        bid_offsets[k + 1] = ob
        shown = min(na, depth)
        while oa + shown > out_ap.shape[0]:
            out_ap = _grown(out_ap, oa)
            out_aq = _grown(out_aq, oa)
        for j in range(shown):
            out_ap[oa + j] = ~ak[na - 1 - j]
            out_aq[oa + j] = aq[na - 1 - j]
        oa += shown
        ask_offsets[k + 1] = oa
        crossed[k] = nb > 0 and na > 0 and bk[nb - 1] >= ~ak[na - 1]
    return (
        bid_offsets,
        out_bp[:ob],
        out_bq[:ob],
        ask_offsets,
        out_ap[:oa],
        out_aq[:oa],
        crossed,
    )


def _misordered_runs(t, file_id, file_seq):  # pragma: no cover - compiled
    """(start, stop) of every run of rows sharing a ``t`` that is not in (file_id, file_seq)
    order, as an (n, 2) array; ``t`` is sorted."""
    n = t.shape[0]
    runs = np.empty(32, dtype=np.int64)
    k = 0
    start = 0
    bad = False
    for i in range(1, n + 1):
        if i == n or t[i] != t[i - 1]:
            if bad:
                if 2 * k + 2 > runs.shape[0]:
                    runs = _grown(runs, 2 * k)
                runs[2 * k] = start
                runs[2 * k + 1] = i
                k += 1
            start = i
            bad = False
        elif file_id[i] < file_id[i - 1] or (
            file_id[i] == file_id[i - 1] and file_seq[i] < file_seq[i - 1]
        ):
            bad = True
    return runs[: 2 * k].reshape(k, 2)


if njit is not None:
    _upsert = njit(cache=True, nogil=True)(_upsert)
    _misordered_runs = njit(cache=True, nogil=True)(_misordered_runs)
    _grown = njit(cache=True, nogil=True)(_grown)
    _replay = njit(cache=True, nogil=True)(_replay)


def replay(
    t: np.ndarray,
    is_bid: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
    is_snapshot: np.ndarray,
    bounds: np.ndarray,
    depth: int,
) -> tuple[np.ndarray, ...]:
    """The compiled replay (see ``_replay``); arrays are made contiguous of the right dtype.

    Raises:
        ImportError: numba is not installed (the message names ``pointline[research]``).
    """
    flags, ints = np.bool_, np.int64
    arrays = _contiguous((t, ints), (is_bid, flags), (price, ints), (qty, ints))
    return _replay(*arrays, *_contiguous((is_snapshot, flags), (bounds, ints)), int(depth))


def misordered_runs(t: np.ndarray, file_id: np.ndarray, file_seq: np.ndarray) -> np.ndarray:
    """The runs of equal ``t`` (sorted) whose rows are out of (file_id, file_seq) order: an
    (n, 2) Int64 array of [start, stop) row ranges, in one compiled pass.

    Raises:
        ImportError: numba is not installed (the message names ``pointline[research]``).
    """
    return _misordered_runs(*_contiguous((t, np.int64), (file_id, np.int64), (file_seq, np.int64)))


def _contiguous(*arrays: tuple[np.ndarray, type]) -> list[np.ndarray]:
    """Each array contiguous of its dtype, for a compiled kernel (numba is required)."""
    if njit is None:
        raise ImportError(MISSING_NUMBA)
    return [np.ascontiguousarray(values, dtype=dtype) for values, dtype in arrays]
