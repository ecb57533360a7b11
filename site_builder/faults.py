"""Crash points for tests: a build that dies mid-way, as a power cut or the OOM killer would.

The pipeline calls ``fault_point(name)`` at the moments where a crash would hurt most. Nothing
happens unless the environment names that point: ``SITE_BUILDER_FAULT=before-swap`` kills the
process with SIGKILL there, and ``SITE_BUILDER_FAULT=mid-render:20`` does so once the call
has reached step 20. SIGKILL, not an exception: no ``finally`` runs, no cleanup, nothing is flushed.

A point can fail instead of dying, as the disk under it would: ``SITE_BUILDER_FAULT=
mid-cache=ENOSPC`` raises OSError(ENOSPC) there (any errno name: EROFS, EIO...).
"""

from __future__ import annotations

import errno
import os
import signal

FAULT_ENV = "SITE_BUILDER_FAULT"
POINTS = ("after-load", "mid-rebase", "mid-render", "after-aside", "mid-cache", "before-swap",
          "after-swap")
"""Every point the build has, in the order a build reaches them."""
DEPLOY_POINTS = ("mid-upload", "before-manifest", "mid-delete")
"""Every point a deploy has (site_builder/deploy/), in the order a deploy reaches them."""


def fault_point(name: str, step: int | None = None) -> None:
    """Die (or fail) here if the environment names this point (and a step it has reached)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    where, _, error = wanted.partition("=")
    point, _, at = where.partition(":")
    if point != name or (at.isdigit() and step is not None and step < int(at)):
        return
    if error:
        number = getattr(errno, error)
        raise OSError(number, os.strerror(number))
    os.kill(os.getpid(), signal.SIGKILL)
