"""Crash points for tests: a build that dies mid-way, as a power cut or the OOM killer would.

The pipeline calls ``fault_point(name)`` at the moments where a crash would hurt most. Nothing
happens unless the environment names that point: ``SITE_BUILDER_FAULT=before-swap`` kills the
process with SIGKILL there, and ``SITE_BUILDER_FAULT=mid-render:20`` does so once the call
has reached step 20. SIGKILL, not an exception: no ``finally`` runs, no cleanup, nothing is flushed.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "SITE_BUILDER_FAULT"
POINTS = ("after-load", "mid-rebase", "mid-render", "after-aside", "before-swap", "after-swap",
          "mid-cache")
"""Every point the build has, in the order a build reaches them."""
DEPLOY_POINTS = ("mid-upload", "before-manifest", "mid-delete")
"""Every point a deploy has (site_builder/deploy/), in the order a deploy reaches them."""


def fault_point(name: str, step: int | None = None) -> None:
    """Die here if the environment names this point (and a step this call has reached)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    point, _, at = wanted.partition(":")
    if point == name and (not at.isdigit() or step is None or step >= int(at)):
        os.kill(os.getpid(), signal.SIGKILL)
