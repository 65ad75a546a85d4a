"""Importable logic of the resistant-vs-parental RNA-seq workflow.

Rule scripts in ``scripts/`` are thin adapters around these functions; the
tests import them directly. Modules import their heavy dependencies
(pydeseq2, gseapy, matplotlib) themselves so that validating the inputs while
Snakemake builds the DAG stays fast.
"""

__all__ = ["WorkflowInputError"]

from resistseq.errors import WorkflowInputError
