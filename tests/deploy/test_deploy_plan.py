"""The plan: what a deploy sends and deletes, from the site's manifest and the target's."""

from __future__ import annotations

from site_builder.deploy.plan import TargetState, changed_urls, make_plan

SITE = {"static/style.css": "s1", "2025/03/27/a/index.html": "a1", "2025/03/27/index.html": "d1",
        "index.html": "h1", "feed.xml": "f1"}


def test_a_first_deploy_sends_everything_in_rank_order():
    plan = make_plan(SITE, TargetState(headers="k"), headers="k")
    assert [u.path for u in plan.uploads] == ["static/style.css", "2025/03/27/a/index.html",
                                              "2025/03/27/index.html", "index.html", "feed.xml"]
    assert all(u.new for u in plan.uploads) and plan.deletes == () and plan.unchanged == 0


def test_only_changed_files_are_sent_and_only_files_it_put_there_are_deleted():
    target = TargetState({**SITE, "index.html": "h0", "2025/03/26/index.html": "x"}, headers="k")
    plan = make_plan({**SITE, "2025/03/28/index.html": "n"}, target, headers="k")
    assert [(u.path, u.new) for u in plan.uploads] == [("2025/03/28/index.html", True),
                                                       ("index.html", False)]
    assert plan.deletes == ("2025/03/26/index.html",) and plan.unchanged == 4
    assert plan.counts() == ("2 to upload (1 new, 1 changed: 1 day, 1 page), 1 to delete, "
                             "4 unchanged")


def test_nothing_changed_is_an_empty_plan():
    plan = make_plan(SITE, TargetState(SITE, headers="k"), headers="k")
    assert plan.empty and plan.unchanged == len(SITE)


def test_pending_paths_are_sent_or_deleted_again():
    target = TargetState(SITE, frozenset({"feed.xml", "2025/03/29/index.html"}), headers="k")
    plan = make_plan(SITE, target, headers="k")
    assert [u.path for u in plan.uploads] == ["feed.xml"]
    assert plan.deletes == ("2025/03/29/index.html",)


def test_other_headers_or_force_send_everything():
    assert len(make_plan(SITE, TargetState(SITE, headers="old"), headers="k").uploads) == 5
    assert len(make_plan(SITE, TargetState(SITE, headers="k"), headers="k",
                         force=True).uploads) == 5


def test_changed_urls_are_public_and_pretty():
    target = TargetState({**SITE, "index.html": "h0", "2025/03/26/b c/index.html": "x"},
                         headers="k")
    plan = make_plan(SITE, target, headers="k")
    assert changed_urls(plan, "https://example.org/briefing") == [
        "https://example.org/briefing/", "https://example.org/briefing/2025/03/26/b%20c/"]
