"""What this install is: ``site-builder --version``, with the Pagefind a build would run.

A bug report needs both versions (the search index is Pagefind's), and a publisher who copies
a template to override it needs to know where the bundled themes are.
"""

from __future__ import annotations

import platform
import subprocess

from site_builder import __version__
from site_builder.output.templates import BUNDLED_THEMES
from site_builder.search.indexer import find_pagefind

PAGEFIND_HINT = "pip install 'pagefind[bin]'"


def version_text() -> str:
    """site-builder's version, Pagefind's, Python's, and where the bundled themes are."""
    return "\n".join([
        f"site-builder {__version__}",
        pagefind_line(),
        f"Python {platform.python_version()}",
        f"bundled themes: {BUNDLED_THEMES}",
    ])


def pagefind_line() -> str:
    binary = find_pagefind()
    if binary is None:
        return f"Pagefind: not installed, so builds have no search ({PAGEFIND_HINT})"
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                encoding="utf-8", errors="replace", timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        return f"Pagefind: cannot run {binary}: {error}"
    words = result.stdout.split()
    return f"Pagefind {words[-1] if words else '(version unknown)'} ({binary})"
