"""The JavaScript that draws the interactive plot pages: Vega, Vega-Lite and Vega-Embed from vl-convert.

vl-convert builds the bundle anew on every call (about 1.3 s of CPU), the same text for a given version, so the
workflow carries it as resources/vega/vega_bundle.js (written by :func:`write_vega_bundle`; a test checks it
against the installed vl-convert) and the page jobs read that file. The pages are built in
``resistseq.interactive``.
"""

from __future__ import annotations

import os
from pathlib import Path


def vega_javascript() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script that defines ``vegaEmbed``."""
    import vl_convert

    return vl_convert.javascript_bundle()


def write_vega_bundle(path: str | os.PathLike) -> int:
    """Write :func:`vega_javascript` to ``path`` as UTF-8, atomically; the number of bytes written."""
    from resistseq.runtime import atomic_path

    data = vega_javascript().encode("utf-8")
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return len(data)


def read_vega_bundle(path: str | os.PathLike) -> str:
    """The script :func:`write_vega_bundle` wrote, character for character (no newline translation)."""
    return Path(path).read_bytes().decode("utf-8")
