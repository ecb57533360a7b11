"""WebSub publish notices, sent to a hub on 127.0.0.1 that records them: one form POST per
feed; a hub that refuses or is down is a warning, never an error."""

from __future__ import annotations

from deploying import free_port, running_hub

from site_builder.websub import ping_hub

FEEDS = ["https://example.org/feed.xml", "https://example.org/topics/space/atom.xml"]


def test_each_feed_is_announced_with_a_form_post():
    warnings: list[str] = []
    with running_hub() as hub:
        assert ping_hub(hub.url, FEEDS, warnings.append) == 2
    assert hub.notices == [{"hub.mode": ["publish"], "hub.url": [feed]} for feed in FEEDS]
    assert warnings == []


def test_a_refusing_hub_is_a_warning_per_feed_and_the_rest_are_still_sent():
    warnings: list[str] = []
    with running_hub() as hub:
        hub.status = 400
        assert ping_hub(hub.url, FEEDS, warnings.append) == 0
    assert len(hub.notices) == 2
    assert warnings == [f"WebSub hub {hub.url} refused {feed} (400 Bad Request)"
                        for feed in FEEDS]


def test_a_hub_that_is_down_is_one_warning():
    warnings: list[str] = []
    hub = f"http://127.0.0.1:{free_port()}/hub"
    assert ping_hub(hub, FEEDS, warnings.append, timeout=5) == 0
    assert len(warnings) == 1
    assert warnings[0].startswith(f"WebSub hub {hub} cannot be reached")
    assert "2 changed feed(s) not announced" in warnings[0]
