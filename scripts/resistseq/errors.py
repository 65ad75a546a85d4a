"""The single exception type the workflow raises for problems a user can fix."""


class WorkflowInputError(Exception):
    """Bad input: a config key, a sample-sheet row or a data file.

    The message names the file, the row or key, and what to do about it.
    """
