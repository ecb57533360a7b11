"""The /corrections/ page's list: every corrected or updated story, newest note first; its
view is page_views.corrections_view, its inputs record CorrectionsInputs.

Its feeds (RSS, Atom, JSON Feed) are planned beside the others (feeds.plan_feeds), from the
same list; each entry is the story's own, its updated time moved to its newest note.
"""

from __future__ import annotations

import html

from site_builder.config import SiteConfig
from site_builder.index import SiteIndex
from site_builder.model import Story
from site_builder.output.feed_formats import rfc3339
from site_builder.output.i18n import Interface

URL = "/corrections/"
PATH = "corrections/index.html"


def corrected_stories(index: SiteIndex) -> tuple[Story, ...]:
    """Every story with a correction or an update, newest note first, then by permalink."""
    found = sorted((story for story in index.stories if story.notes), key=lambda s: s.url)
    return tuple(sorted(found, key=lambda story: story.modified or 0, reverse=True))


def feed_title(config: SiteConfig, ui: Interface) -> str:
    return ui.gettext("%(title)s: corrections and updates", title=config.title)


def description(ui: Interface) -> str:
    return ui.gettext("Every story corrected or updated since it was published, most "
                      "recent first.")


def notes_html(story: Story, ui: Interface) -> str:
    """A story's corrections and updates, after its body in a feed entry (the site's words)."""
    return "".join(
        f'<p class="note"><strong>{html.escape(ui.gettext(NOTE_LABELS[note.kind]))}</strong> '
        f"({html.escape(rfc3339(note.time))}): {note.text_html}</p>" for note in story.notes)


NOTE_LABELS = {"correction": "Correction", "update": "Update"}
