"""A newsroom's calendar (issue 23): scheduled and embargoed stories, corrections and updates,
and feeds that name their WebSub hub; each through the real command line with --as-of."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import run_cli, tree_bytes, write_site
from deploying import clean_env, cli, running_hub
from test_feed_rules import check_feed
from test_serve import start_server

from site_builder.config import load_config
from site_builder.content.schedule import hold, parse_time
from site_builder.incremental.inputs import FileFacts
from site_builder.incremental.memory import BuildMemory
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter
from site_builder.stamps import text_stamp

BASE = "https://news.example.org/"
ZONE = dt.timezone(dt.timedelta(hours=8))
BEFORE, AFTER = "2025-03-28T15:00+08:00", "2025-03-28T15:31+08:00"
HELD_URL = "2025/03/28/byd-embargoed-results-zephyrquux/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

FIRST_DAY = """\
    ---
    title: Morning Report
    date: 2025-03-27
    ---

    Lead of the first day.

    ## Company Aspect

    ### BYD: March deliveries rose

    BYD (002594.SZ) said deliveries rose; new energy vehicles sold well.
    """

SECOND_DAY = """\
    ---
    title: Morning Report
    date: 2025-03-28
    ---

    Lead of the second day.

    ## Company Aspect

    ### Goertek: Net profit rose

    Goertek (002241.SZ) announced that net profit rose 21%.

    Correction (2025-03-29 09:10): The figure was **12%**, not 21%.

    Update (2025-03-29 11:00 +08:00): Goertek confirmed the dividend.

    ### BYD: Embargoed results zephyrquux

    Publish: 2025-03-28 15:30

    BYD (002594.SZ) reported results; zephyrquux new energy vehicles, new energy vehicles.
    """


def site_files(hub: str = "") -> dict[str, str | bytes]:
    toml = f'base_url = "{BASE}"\n' + (f'hub = "{hub}"\n' if hub else "")
    return {"site.toml": toml,
            "content/briefings/2025/2025-03-27.md": FIRST_DAY,
            "content/briefings/2025/2025-03-28.md": SECOND_DAY}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", site_files())


def cli_build(site: Path, as_of: str, *args: str) -> str:
    result = run_cli("build", "--site", site, "--as-of", as_of, *args)
    assert result.returncode == 0, result.stderr
    return result.stderr + result.stdout


def everything(output: Path) -> dict[str, str]:
    """Every text file of the output, Pagefind's compressed records decompressed."""
    found = {}
    for path in output.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix in (".pf_fragment", ".pf_meta", ".pf_index", ".pf_filter"):
                data = gzip.decompress(data)
            found[path.relative_to(output).as_posix()] = data.decode("utf-8", "replace")
    return found


# -- scheduled and embargoed stories ---------------------------------------------------------

def test_a_scheduled_story_is_nowhere_before_its_time_and_everywhere_after(site: Path):
    summary = cli_build(site, BEFORE)
    assert "1 story scheduled; next at 2025-03-28 15:30 +08:00" in summary
    output = site / "output"
    files = everything(output)
    assert not (output / HELD_URL).exists()
    leaks = sorted(path for path, text in files.items()
                   if "zephyrquux" in text.lower() or "byd-embargoed" in text)
    assert leaks == []  # no page, day page, list, feed, search record, sitemap or email
    # Its company's other story shows no "More on" link to it; its day shows the rest.
    assert "Goertek: Net profit rose" in files["2025/03/28/index.html"]
    assert "More on" not in files["2025/03/27/byd-march-deliveries-rose/index.html"]
    assert [e.title for e in feedparser.parse(files["companies/byd-002594-sz/atom.xml"]).entries
            ] == ["BYD: March deliveries rose"]

    summary = cli_build(site, AFTER)
    assert "scheduled" not in summary
    files = everything(output)
    assert (output / HELD_URL / "index.html").is_file()
    for path in ("2025/03/28/index.html", "index.html", "sections/company-aspect/index.html",
                 "companies/byd-002594-sz/index.html", "topics/new-energy-vehicles/index.html",
                 "2025/03/27/byd-march-deliveries-rose/index.html", "sitemap.xml",
                 "feed.xml", "atom.xml", "feed.json", "companies/byd-002594-sz/feed.json",
                 "digest/atom.xml", "digest/2025/03/28/email.html",
                 "digest/2025/03/28/email.txt"):
        assert "byd-embargoed" in files[path] or "Embargoed" in files[path], path
    assert any("zephyrquux" in text for path, text in files.items()
               if path.startswith("pagefind/") and path.endswith(".pf_fragment"))
    # It went out when it fell due: its entry's time is its publication time.
    entry = next(item for item in json.loads(files["feed.json"])["items"]
                 if "byd-embargoed" in item["url"])
    assert entry["date_published"] == "2025-03-28T15:30:00+08:00"


def test_the_schedule_command_lists_what_waits(site: Path):
    result = run_cli("schedule", "--site", site, "--as-of", BEFORE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        ("2025-03-28 15:30 +08:00  content/briefings/2025/2025-03-28.md:18  "
         "BYD: Embargoed results zephyrquux")]
    assert "1 story scheduled; next at 2025-03-28 15:30 +08:00" in result.stderr
    later = run_cli("schedule", "--site", site, "--as-of", AFTER)
    assert later.returncode == 0 and later.stdout == ""
    assert "nothing is scheduled" in later.stderr
    checked = run_cli("check", "--site", site, "--as-of", BEFORE)
    assert checked.returncode == 0 and "1 story scheduled" in checked.stderr


def test_a_day_and_a_desk_can_be_held_and_the_story_line_wins(tmp_path: Path):
    day = SECOND_DAY.replace("date: 2025-03-28\n", "date: 2025-03-28\n    publish: 2025-03-28 "
                             "09:00\n").replace("## Company Aspect\n", "## Company Aspect\n\n"
                                                "    Publish: 2025-03-28T12:00+08:00\n")
    site = write_site(tmp_path / "site", {**site_files(),
                                          "content/briefings/2025/2025-03-28.md": day})
    config = load_config(site)[0]

    def titles(as_of: str) -> list[str]:
        loaded = load_site(config, Reporter(0), as_of=dt.datetime.fromisoformat(as_of))
        return [story.title for story in loaded.stories]

    assert titles("2025-03-28T08:59+08:00") == ["BYD: March deliveries rose"]
    assert titles("2025-03-28T11:59+08:00") == ["BYD: March deliveries rose"]  # the desk's
    assert titles("2025-03-28T12:00+08:00") == ["Goertek: Net profit rose",
                                                "BYD: March deliveries rose"]
    assert titles("2025-03-28T07:30Z") == ["Goertek: Net profit rose",
                                           "BYD: Embargoed results zephyrquux",
                                           "BYD: March deliveries rose"]


def test_times_parse_in_the_sites_zone_unless_an_offset_is_given():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert parse_time("2025-03-28 15:30", shanghai) == dt.datetime(2025, 3, 28, 15, 30,
                                                                     tzinfo=shanghai)
    assert parse_time("2025-03-28T07:30Z", shanghai) == dt.datetime(2025, 3, 28, 7, 30,
                                                                      tzinfo=dt.UTC)
    # Written in another offset, kept in the site's zone (as pages and feeds show it).
    other = parse_time("2025-03-28 9:05 +0100", shanghai)
    assert other == dt.datetime(2025, 3, 28, 8, 5, tzinfo=dt.UTC)
    assert other.isoformat() == "2025-03-28T16:05:00+08:00"
    for bad in ("2025-03-28", "2025-02-30 10:00", "2025-03-28 25:00", "tomorrow"):
        with pytest.raises(ValueError):
            parse_time(bad, shanghai)


def test_hold_is_a_pure_function_of_the_briefings_and_the_instant(site: Path):
    config = load_config(site)[0]
    loaded = load_site(config, Reporter(0), drafts=True,
                       as_of=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    early = dt.datetime(2025, 3, 28, 7, 0, tzinfo=dt.UTC)
    first, again = hold(loaded.briefings, early), hold(loaded.briefings, early)
    assert first == again and len(first.held) == 1
    assert first.held[0].time == dt.datetime(2025, 3, 28, 15, 30, tzinfo=config.zone)
    assert [s.title for b in first.briefings for s in b.stories] == [
        "Goertek: Net profit rose", "BYD: March deliveries rose"]
    shown = hold(loaded.briefings, early, show=True)
    assert [s.scheduled for b in shown.briefings for s in b.stories] == [False, True, False]


@pytest.mark.parametrize(("line", "message"), [
    ("Publish: 2025-03-28 25:30", "the publication time"),
    ("Publish: soon", "the publication time"),
    ("Correction (2025-03-29): no clock", "the correction's time"),
    ("Update (2025-03-29 10:00):", "the update says nothing"),
    ("Correction (2025-03-29 10:00) no colon",
     "this correction or update is not written as the format asks"),
])
def test_a_malformed_time_or_note_names_its_file_and_line(site: Path, line: str, message: str):
    cli_build(site, AFTER)
    before = tree_bytes(site / "output")
    path = site / "content/briefings/2025/2025-03-28.md"
    text = path.read_text().replace("Publish: 2025-03-28 15:30", line)
    path.write_text(text)
    result = run_cli("build", "--site", site, "--as-of", AFTER)
    assert result.returncode == 1
    assert f"content/briefings/2025/2025-03-28.md:20: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(site / "output") == before


def test_front_matter_publish_and_as_of_are_checked(site: Path):
    path = site / "content/briefings/2025/2025-03-28.md"
    path.write_text(path.read_text().replace("date: 2025-03-28\n",
                                             "date: 2025-03-28\npublish: at noon\n"))
    result = run_cli("build", "--site", site, "--as-of", AFTER)
    assert result.returncode == 1
    assert "2025-03-28.md:4: publish: 'at noon' is not a date and time" in result.stderr
    result = run_cli("build", "--site", site, "--as-of", "2025-03-28T15:00")
    assert result.returncode == 2 and "has no offset" in result.stderr


def test_incremental_builds_across_the_due_time_equal_full_builds(site: Path, tmp_path: Path):
    config = load_config(site)[0]
    reporter = Reporter(0)
    before = dt.datetime.fromisoformat(BEFORE)
    after = dt.datetime.fromisoformat(AFTER)
    # The files must not be "racily" new (input_signature), or no build could be a no-op.
    for path in [*site.rglob("*.md"), site / "site.toml"]:
        stamp = path.stat().st_mtime - 10
        os.utime(path, (stamp, stamp))

    def full(as_of: dt.datetime) -> dict[str, bytes]:
        out = tmp_path / "full"
        shutil.rmtree(out, ignore_errors=True)
        build(config, reporter, output=out, use_cache=False, jobs=1, as_of=as_of)
        return tree_bytes(out)

    first = build(config, reporter, jobs=1, as_of=before)
    assert first.scheduled.startswith("1 story scheduled")
    assert tree_bytes(site / "output") == full(before)
    # Before any due time, another build changes nothing and says what still waits.
    again = build(config, reporter, jobs=1, as_of=before + dt.timedelta(minutes=20))
    assert again.nothing_changed and again.scheduled == first.scheduled
    # Once it is due, the next incremental build publishes it, as a full build would.
    due = build(config, reporter, jobs=1, as_of=after)
    assert not due.nothing_changed and due.stories == first.stories + 1
    assert tree_bytes(site / "output") == full(after)
    assert build(config, reporter, jobs=1, as_of=after).nothing_changed
    # Back before its time (a build for yesterday's record): held again, equal to a full one.
    back = build(config, reporter, jobs=1, as_of=before)
    assert not back.nothing_changed
    assert tree_bytes(site / "output") == full(before)


def test_serve_drafts_shows_a_scheduled_story_marked(site: Path, tmp_path: Path):
    server = start_server(site, tmp_path / "serve.log", "--drafts", "--as-of", BEFORE)
    try:
        page = server.get("/" + HELD_URL)
        assert page.status == 200
        assert ('<p class="scheduled"><time datetime="2025-03-28T15:30:00+08:00">Scheduled: '
                "not public until Friday, 28 March 2025, 15:30</time></p>") in page.text
        assert 'class="scheduled"' in server.get("/2025/03/28/").text
        assert 'class="scheduled"' not in server.get("/2025/03/27/").text
    finally:
        server.kill()
    plain = start_server(site, tmp_path / "serve2.log", "--as-of", BEFORE)
    try:
        assert plain.get("/" + HELD_URL).status == 404
    finally:
        plain.kill()


# -- corrections and updates -----------------------------------------------------------------

def test_a_correction_flows_through_page_json_ld_and_the_three_feeds(site: Path):
    cli_build(site, AFTER)
    output = site / "output"
    story = "2025/03/28/goertek-net-profit-rose/"
    page = (output / story / "index.html").read_text()
    notes = re.search(r'<aside class="notes".*?</aside>', page, re.DOTALL)
    assert notes is not None
    assert ('<strong>Correction</strong> (<time datetime="2025-03-29T09:10:00+08:00">'
            "Saturday, 29 March 2025, 09:10</time>): The figure was "
            "<strong>12%</strong>, not 21%.") in notes.group()
    assert '<time datetime="2025-03-29T11:00:00+08:00">' in notes.group()
    assert "Correction (" not in page.split("<aside")[0]  # out of the body
    day = (output / "2025/03/28/index.html").read_text()
    assert '<time datetime="2025-03-29T09:10:00+08:00">' in day

    data = [json.loads(block) for block in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)]
    article = next(d for d in data if d.get("@type") == "NewsArticle")
    assert article["datePublished"] == "2025-03-28T08:00:00+08:00"
    assert article["dateModified"] == "2025-03-29T11:00:00+08:00"
    assert article["correction"] == [{"@type": "CorrectionComment",
                                      "datePublished": "2025-03-29T09:10:00+08:00",
                                      "text": "The figure was 12%, not 21%."}]

    permalink = BASE + story
    rss = feedparser.parse((output / "feed.xml").read_bytes())
    atom = feedparser.parse((output / "atom.xml").read_bytes())
    items = json.loads((output / "feed.json").read_text())["items"]
    rss_entry = next(e for e in rss.entries if e.link == permalink)
    atom_entry = next(e for e in atom.entries if e.link == permalink)
    json_item = next(i for i in items if i["url"] == permalink)
    assert rss_entry.published == "Fri, 28 Mar 2025 08:00:00 +0800"  # pubDate stays
    assert atom_entry.published == "2025-03-28T08:00:00+08:00"
    assert atom_entry.updated == "2025-03-29T11:00:00+08:00"
    assert json_item["date_published"] == "2025-03-28T08:00:00+08:00"
    assert json_item["date_modified"] == "2025-03-29T11:00:00+08:00"
    assert rss_entry.id == atom_entry.id == json_item["id"] == \
        "tag:news.example.org,2025-03-28:/2025/03/28/goertek-net-profit-rose/"
    assert "The figure was <strong>12%</strong>" in json_item["content_html"]
    # An uncorrected story's updated time is its published time.
    other = next(e for e in atom.entries if e.link != permalink)
    assert other.updated == other.published
    sitemap = ET.parse(output / "sitemap.xml").getroot()
    lastmod = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in sitemap}
    assert lastmod[permalink] == "2025-03-29T11:00:00+08:00"


def test_the_corrections_page_and_feeds_list_every_noted_story_newest_first(site: Path):
    path = site / "content/briefings/2025/2025-03-27.md"
    path.write_text(path.read_text() + "\nUpdate (2025-03-30 08:00): Deliveries were revised.\n")
    cli_build(site, AFTER)
    output = site / "output"
    page = (output / "corrections/index.html").read_text()
    assert page.index("byd-march-deliveries-rose") < page.index("goertek-net-profit-rose")
    assert 'href="/corrections/"' in (output / "index.html").read_text()  # the footer
    expected = [BASE + "2025/03/27/byd-march-deliveries-rose/",
                BASE + "2025/03/28/goertek-net-profit-rose/"]
    for name in ("feed.xml", "atom.xml", "feed.json"):
        data = (output / "corrections" / name).read_bytes()
        assert check_feed(name, data, BASE + "corrections/" + name) == []
        links = ([item["url"] for item in json.loads(data)["items"]] if name.endswith(".json")
                 else [e.link for e in feedparser.parse(data).entries])
        assert links == expected, name
    assert [e.updated for e in feedparser.parse(
        (output / "corrections/atom.xml").read_bytes()).entries] == [
        "2025-03-30T08:00:00+08:00", "2025-03-29T11:00:00+08:00"]


def test_every_feed_with_notes_and_a_hub_follows_the_rules(tmp_path: Path):
    site = write_site(tmp_path / "site", site_files(hub="https://hub.example.org/"))
    cli_build(site, AFTER)
    output = site / "output"
    feeds = sorted(p for p in output.rglob("*") if p.name in ("feed.xml", "atom.xml",
                                                              "feed.json"))
    assert len(feeds) > 12
    problems = {}
    for path in feeds:
        relative = path.relative_to(output).as_posix()
        if found := check_feed(relative, path.read_bytes(), BASE + relative):
            problems[relative] = found
        if path.suffix == ".xml":
            assert not feedparser.parse(path.read_bytes()).bozo, relative
    assert problems == {}


# -- feeds that announce themselves ----------------------------------------------------------

def test_feeds_name_the_hub_only_when_one_is_set(tmp_path: Path):
    hub = "https://hub.example.org/"
    with_hub = write_site(tmp_path / "hub", site_files(hub=hub))
    without = write_site(tmp_path / "plain", site_files())
    cli_build(with_hub, AFTER)
    cli_build(without, AFTER)
    for folder in ("", "companies/byd-002594-sz/", "corrections/", "digest/"):
        rss = feedparser.parse((with_hub / "output" / folder / "feed.xml").read_bytes())
        atom = feedparser.parse((with_hub / "output" / folder / "atom.xml").read_bytes())
        for parsed, kind in ((rss, "application/rss+xml"), (atom, "application/atom+xml")):
            links = {(link.rel, link.href) for link in parsed.feed.links}
            assert ("hub", hub) in links, folder
            assert ("self", BASE + folder + ("feed.xml" if parsed is rss else "atom.xml")
                    ) in links
        feed = json.loads((with_hub / "output" / folder / "feed.json").read_text())
        assert feed["hubs"] == [{"type": "WebSub", "url": hub}]
        assert feed["feed_url"] == BASE + folder + "feed.json"
        rss_xml = ET.parse(with_hub / "output" / folder / "feed.xml").getroot()
        links = rss_xml.findall("channel/{http://www.w3.org/2005/Atom}link")
        assert [(link.get("rel"), link.get("href")) for link in links] == [
            ("self", BASE + folder + "feed.xml"), ("hub", hub)]
        for name in ("feed.xml", "atom.xml", "feed.json"):
            plain = (without / "output" / folder / name).read_text()
            assert "hub" not in plain.replace("github", ""), (folder, name)


def test_ping_after_a_story_falls_due_announces_the_feeds_it_joined(tmp_path: Path):
    """The build that publishes a held story changes the feeds that now hold it; `ping` tells
    the hub of exactly those, with a form POST of hub.mode=publish (point 3)."""
    env = clean_env(tmp_path)
    with running_hub() as hub:
        site = write_site(tmp_path / "site", site_files(hub=hub.url))
        cli_build(site, BEFORE)
        cli_build(site, AFTER)
        result = cli("ping", "--site", site, env=env)
        assert result.returncode == 0, result.stderr
        announced = hub.feeds()
        assert all(notice["hub.mode"] == ["publish"] for notice in hub.notices)
    for folder in ("", "sections/company-aspect/", "companies/byd-002594-sz/",
                   "topics/new-energy-vehicles/", "digest/"):
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert BASE + folder + name in announced, folder + name
    assert BASE + "companies/goertek-002241-sz/feed.xml" not in announced
    assert BASE + "corrections/feed.xml" not in announced


def test_a_day_of_a_lead_alone_is_held_until_its_time(tmp_path: Path):
    lead_only = "---\ndate: 2025-03-29\npublish: 2025-03-29 10:00\n---\n\nA lead alone.\n"
    site = write_site(tmp_path / "site", {**site_files(),
                                          "content/briefings/2025/2025-03-29.md": lead_only})
    assert "2 stories scheduled" in cli_build(site, BEFORE)
    assert not (site / "output/2025/03/29").exists()
    cli_build(site, "2025-03-29T10:00+08:00")
    assert "A lead alone." in (site / "output/2025/03/29/index.html").read_text()


def test_a_file_the_schedule_cut_is_stamped_by_the_stories_it_shows(site: Path):
    """The stories left of a cut file, read from the cache without their bodies, keep the
    text stamps taken of their bodies at parse (FileFacts), and the file is keyed apart from
    its whole parse: an edit to a body beside a held story reaches every feed (issue 21)."""
    config = load_config(site)[0]
    before = dt.datetime.fromisoformat(BEFORE)
    path = "content/briefings/2025/2025-03-28.md"

    def loaded(cached: bool) -> tuple[FileFacts, tuple[str, ...]]:
        facts = FileFacts()
        memory = BuildMemory.open(config, Reporter(0), output=site / "output",
                                  use_cache=cached)
        try:
            shown = load_site(config, Reporter(0), cache=memory.cache, facts=facts,
                              as_of=before)
        finally:
            memory.close()
        return facts, tuple(story.url for story in shown.stories if story.day.day == 28)

    loaded(True)  # the parse goes into the cache, its bodies into the body table
    cached, urls = loaded(True)
    fresh = load_site(config, Reporter(0), as_of=before)
    assert urls == ("/2025/03/28/goertek-net-profit-rose/",)
    assert cached.stored.get(path)  # read back without its bodies
    assert cached.text_stamps[path] == tuple(
        text_stamp(story) for story in fresh.stories if story.day.day == 28)
    whole = load_site(config, Reporter(0), as_of=dt.datetime.fromisoformat(AFTER))
    assert len([s for s in whole.stories if s.day.day == 28]) == 2
    assert cached.digests[path] != cached.stored[path]  # keyed by what is left of it
