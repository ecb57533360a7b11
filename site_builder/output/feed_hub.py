"""WebSub discovery in RSS: feedgen writes only the rel="self" of an RSS feed's Atom links."""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseExtension


class HubLink(BaseExtension):  # type: ignore[misc]
    """<atom:link rel="hub"> in an RSS channel, after its rel="self" (WebSub discovery):
    feedgen writes only the self link of an RSS feed's Atom links."""

    url = ""

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        found = channel.findall(f"{{{ATOM_NS}}}link")
        place = list(channel).index(found[0]) + 1 if found else len(channel)
        hub = channel.makeelement(f"{{{ATOM_NS}}}link", {"href": self.url, "rel": "hub"})
        channel.insert(place, hub)
        return feed


ATOM_NS = "http://www.w3.org/2005/Atom"
