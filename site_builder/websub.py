"""WebSub publishing: tell a hub that feeds changed, so subscribers hear of it at once.

A hub (WebSub, W3C 2018, once PubSubHubbub) fetches a feed when its publisher pings it and
pushes the news to every subscriber. The ping is a form POST of ``hub.mode=publish`` and
``hub.url=<feed>``, one per feed. The site is already published when this runs, so a hub that
is down or refuses costs the subscribers a delay, never the publisher a failure: every problem
is a warning.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence

PING_TIMEOUT = 10.0
"""Seconds to wait for the hub: it only has to acknowledge, and fetches the feed later."""
MAX_REFUSALS_SHOWN = 5


def ping_hub(hub: str, feeds: Sequence[str], warn: Callable[[str], None], *,
             timeout: float = PING_TIMEOUT) -> int:
    """POST a publish notice to hub for each feed URL; the number the hub accepted (2xx).

    A hub that cannot be reached is warned about once and not asked again for the other
    feeds (each would wait for the same timeout); a refusal of one feed is warned about and
    the rest are still sent.
    """
    accepted = 0
    refused: list[str] = []
    for feed in feeds:
        body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed}).encode()
        request = urllib.request.Request(
            hub, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            accepted += 1
        except urllib.error.HTTPError as error:
            refused.append(f"{feed} ({error.code} {error.reason})")
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            warn(f"WebSub hub {hub} cannot be reached ({reason}); {len(feeds) - accepted} "
                 "changed feed(s) not announced: subscribers will see them when they next poll")
            return accepted
    for feed in refused[:MAX_REFUSALS_SHOWN]:
        warn(f"WebSub hub {hub} refused {feed}")
    if len(refused) > MAX_REFUSALS_SHOWN:
        warn(f"WebSub hub {hub} refused {len(refused) - MAX_REFUSALS_SHOWN} more feed(s)")
    return accepted
