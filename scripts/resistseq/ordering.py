"""Row orders of pandas' multi-column ``sort_values``, computed with numpy.

pandas sorts on several columns by turning each into an ordered Categorical (hashing and sorting
strings in Python) and lexsorting the codes; on 60,000 gene IDs or symbols that is most of the cost
of ranking genes or ordering a DE table. ``sort_order`` gives the same positions: numbers are
lexsorted as they are (numpy, like pandas' codes, puts NaN last and treats equal values as ties),
strings are ranked by code point through numpy's StringDType, and a trailing non-numeric column
(a gene ID breaking ties) is ranked only among the rows the other columns leave tied.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """(pandas' sort codes of ``values``: ranks of the distinct values, -1 for missing; the number of
    distinct values). pandas hashes strings as C strings, so "A" and "A\\x00" share a code: strings with
    a NUL take pandas' own way."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string" and "\x00" not in "".join(values):
        keys = np.asarray(values, dtype=object).astype(np.dtypes.StringDType())
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        ranks = np.empty(len(keys), dtype=np.intp)
        ranks[order] = np.concatenate(([0], np.cumsum(ordered[1:] != ordered[:-1])))
        return ranks, int(ranks.max(initial=-1)) + 1
    categorical = pd.Categorical(values, ordered=True)
    return categorical.codes, len(categorical.categories)


def _lexsort_key(values: np.ndarray, ascending: bool) -> np.ndarray:
    """One column as an ``np.lexsort`` key: floats as they are (negated when descending: NaN stays last),
    anything else as pandas' codes with missing last."""
    if values.dtype.kind == "f":
        return values if ascending else -values
    codes, count = _codes(values)
    missing = codes == -1
    codes = np.where(missing, count, codes)
    return codes if ascending else np.where(missing, codes, count - codes - 1)


def _equal_to_previous(key: np.ndarray) -> np.ndarray:
    same = key[1:] == key[:-1]
    if key.dtype.kind == "f":
        same |= np.isnan(key[1:]) & np.isnan(key[:-1])
    return same


def sort_order(columns: Sequence, ascending: Sequence[bool]) -> np.ndarray:
    """Row positions in the order of ``frame.sort_values(names, ascending=ascending, na_position="last")``
    for a frame with these (at least two) ``columns``: by each column in turn, missing values last in
    either direction, rows equal on every column in their original order."""
    columns = [np.asarray(column) for column in columns]
    leading = [_lexsort_key(column, up) for column, up in zip(columns[:-1], ascending[:-1], strict=True)]
    last, last_ascending = columns[-1], ascending[-1]
    if last.dtype.kind == "f":
        return np.lexsort([_lexsort_key(last, last_ascending), *leading[::-1]])
    order = np.lexsort(leading[::-1])
    tie = np.ones(max(len(order) - 1, 0), dtype=bool)
    for key in leading:
        tie &= _equal_to_previous(key[order])
    if not tie.any():
        return order
    # The last column decides only within ties of the others, so only tied rows pay for ranking it.
    tied = order[np.append(tie, False) | np.insert(tie, 0, False)]
    last_key = np.zeros(len(order), dtype=np.intp)
    last_key[tied] = _lexsort_key(last[tied], last_ascending)
    return np.lexsort([last_key, *leading[::-1]])
