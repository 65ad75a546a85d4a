"""Helpers shared by the rule scripts: thread limits, logging, atomic writes."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from resistseq.errors import WorkflowInputError

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def limit_threads(threads: int) -> None:
    """Keep BLAS/OpenMP pools to the rule's ``threads``.

    The environment variables reach child processes (joblib workers); the
    threadpoolctl call covers libraries already loaded in this process.
    """
    threads = max(1, int(threads))
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


def start_rule_log(log_path: str | os.PathLike) -> logging.Logger:
    """Send stderr and a logger named after the workflow to the rule's log file."""
    stream = open(log_path, "w", buffering=1)  # noqa: SIM115 - lives as long as the script
    sys.stderr = stream
    logger = logging.getLogger("resistseq")
    logger.handlers.clear()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    return logger


def run_rule(main, snakemake) -> None:
    """Run a rule script's ``main(snakemake, logger)`` with the workflow's conventions.

    The log is redirected first, threads are limited, and a ``WorkflowInputError``
    ends the job with its message (and no traceback) in the log and on the console.
    """
    logger = start_rule_log(snakemake.log[0])
    limit_threads(snakemake.threads)
    try:
        main(snakemake, logger)
    except WorkflowInputError as error:
        logger.error(str(error))
        print(f"ERROR in rule {snakemake.rule}: {error}", file=sys.__stderr__)
        sys.exit(1)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling path; rename it to ``path`` only on success."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.partial")
    try:
        yield temporary
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_table(frame, path: str | os.PathLike, index: bool = False) -> None:
    """Write a tab-separated table atomically: NA for missing values, full float precision.

    The bytes are pandas' ``to_csv(sep="\\t", na_rep="NA")``; tables of plain columns take a faster
    route to the same text (``tsv_text``), the rest go through pandas.
    """
    text = None if index else tsv_text(frame)
    with atomic_path(path) as temporary:
        if text is None:
            frame.to_csv(temporary, sep="\t", index=index, na_rep="NA", lineterminator="\n")
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)


# Characters that make pandas' csv writer quote a field (delimiter, quote character, line breaks).
QUOTED_CHARACTERS = ("\t", '"', "\n", "\r")


def _plain_strings(values: list) -> bool:
    joined = "".join(values)
    return not any(character in joined for character in QUOTED_CHARACTERS)


def tsv_text(frame) -> str | None:
    """``frame`` as pandas' ``to_csv(sep="\\t", index=False, na_rep="NA", lineterminator="\\n")`` writes it,
    or None when a column is not one this formats exactly as pandas does.

    pandas formats float64 with numpy's shortest round-trip repr (``astype(str)``), which is Python's
    ``repr(float)`` (same digits, same switch to exponent notation); integers, booleans and strings print
    as ``str``. Formatting through Python floats skips pandas' per-block conversions and numpy's slower
    Dragon4: about twice as fast on a 60,000-gene DE table. Object columns may mix text, booleans and
    gaps. Other dtypes (categorical, nullable, float32, dates, other mixed objects), non-string labels
    and fields pandas would quote return None.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(frame, pd.DataFrame) or frame.shape[1] < 2 or isinstance(frame.columns, pd.MultiIndex):
        return None
    labels = list(frame.columns)
    if not all(type(label) is str for label in labels) or not _plain_strings(labels):
        return None
    columns = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        dtype = column.dtype
        if not isinstance(dtype, np.dtype):
            return None
        values = column.to_numpy()
        cells = values.tolist()
        if dtype == np.float64:
            for row in np.flatnonzero(np.isnan(values)).tolist():
                cells[row] = "NA"
        elif dtype.kind == "O":
            missing = pd.isna(values)
            for row in np.flatnonzero(missing).tolist():
                cells[row] = "NA"
            # Flags beside text or gaps (a figure's source data stacks panels) print as str does.
            cells = [str(cell) if type(cell) in (bool, np.bool_) else cell for cell in cells]
            if not all(type(cell) is str for cell in cells) or not _plain_strings(cells):
                return None
        elif dtype.kind not in "iub":
            return None
        columns.append(cells)
    row_format = "\t".join(["%s"] * len(columns))
    lines = ["\t".join(labels), *map(row_format.__mod__, zip(*columns, strict=True))]
    return "\n".join(lines) + "\n"
