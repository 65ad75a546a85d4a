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
    """Write a tab-separated table atomically: NA for missing values, full float precision."""
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, sep="\t", index=index, na_rep="NA", lineterminator="\n")
