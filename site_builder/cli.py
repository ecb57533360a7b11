"""The command line: init, build, check, new, import, serve, email; only our own errors are
caught."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from site_builder.config import SiteConfig, load_config
from site_builder.content.schedule import Schedule
from site_builder.errors import ContentError, SiteBuilderError, UsageError
from site_builder.incremental.lock import EXIT_BUSY, hold_site_lock
from site_builder.report import Reporter

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def make_parser() -> argparse.ArgumentParser:
    verbosity_only = argparse.ArgumentParser(add_help=False)
    verbosity = verbosity_only.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print stage timings")
    common = argparse.ArgumentParser(add_help=False, parents=[verbosity_only])
    common.add_argument("--site", type=Path, default=Path("."),
                        help="the site folder (with site.toml and content/); default: here")
    timed = argparse.ArgumentParser(add_help=False)  # for the commands that honour schedules
    timed.add_argument("--as-of", type=_instant, metavar="TIME",
                       help="build as of this instant, ISO with an offset "
                            "(2025-03-28T15:00+08:00); default: now. Stories not due by "
                            "then are left out")
    waiting = argparse.ArgumentParser(add_help=False)  # for the commands that take the lock
    waiting.add_argument("--no-wait", action="store_true",
                         help="if another site-builder command is at work on this site, exit "
                              f"with code {EXIT_BUSY} rather than wait for it")

    parser = argparse.ArgumentParser(
        prog="site-builder", description="Build the daily tech-finance briefing site.")
    parser.add_argument("--version", action=_Version)
    verbs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = verbs.add_parser("init", parents=[verbosity_only],
                            help="start a new site in a folder (never overwrites a file)")
    init.add_argument("dir", nargs="?", type=Path, default=Path("."),
                      help="the new site's folder, new or empty (default: here)")
    init.add_argument("--force", action="store_true",
                      help="add the missing files to a folder that is not empty")

    build = verbs.add_parser("build", parents=[common, waiting, timed],
                             help="build the site into output/")
    build.add_argument("--output", type=Path, help="build into this folder instead")
    build.add_argument("--drafts", action="store_true", help="include draft briefings")
    build.add_argument("--base-url", help="override base_url from site.toml")
    build.add_argument("--jobs", "-j", type=_positive, default=None,
                       help="worker processes (default: the CPUs this process may use)")
    build.add_argument("--no-cache", action="store_true",
                       help="ignore and do not update the build cache: a full build")

    check = verbs.add_parser("check", parents=[common, waiting, timed],
                             help="validate content, write nothing")
    check.add_argument("--drafts", action="store_true", help="check drafts as published")

    new = verbs.add_parser("new", parents=[common], help="create a day's file from a skeleton")
    new.add_argument("date", nargs="?", type=_iso_date, help="YYYY-MM-DD (default: today)")

    importer = verbs.add_parser("import", parents=[common, waiting],
                                help="turn raw daily reports into content files")
    importer.add_argument("files", nargs="+", help="report files, or - for standard input")
    importer.add_argument("--date", type=_iso_date, help="the report's date, YYYY-MM-DD")
    importer.add_argument("--dry-run", action="store_true", help="print, write nothing")
    importer.add_argument("--force", action="store_true", help="overwrite an existing file")
    serve = verbs.add_parser("serve", parents=[common, timed],
                             help="build, serve on http://127.0.0.1:8000/ and rebuild on change")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--drafts", action="store_true",
                       help="include draft briefings, and scheduled stories marked as such")
    schedule = verbs.add_parser("schedule", parents=[common, waiting, timed],
                                help="list the stories not yet due: time, file:line, headline")
    schedule.set_defaults(drafts=False)
    serve.add_argument("--open", action="store_true", help="open a browser tab")

    deploy = verbs.add_parser("deploy", parents=[common, waiting],
                              help="publish output/ to a [deploy.NAME] target, changes only")
    deploy.add_argument("target", nargs="?", help="a [deploy.NAME] of site.toml (default: "
                        "the first)")
    deploy.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    deploy.add_argument("--max-deletes", type=_count, help="allow this many deletes")
    deploy.add_argument("--changed-urls", type=Path, metavar="FILE",
                        help="write the URLs of changed files here, for a CDN purge")
    deploy.add_argument("--force", action="store_true", help="send every file")
    deploy.add_argument("--no-ping", action="store_true", help="do not ping the WebSub hub")
    deploy.add_argument("--output", type=Path, help="publish this built folder instead")
    deploy.add_argument("--base-url", help="override base_url from site.toml")

    ping = verbs.add_parser("ping", parents=[common, waiting],
                            help="tell the WebSub hub which feeds the last build changed")
    ping.add_argument("--dry-run", action="store_true", help="print the feeds, send nothing")

    mail = verbs.add_parser("email", parents=[common, waiting],
                            help="write or send a day's email edition (build it first)")
    mail.add_argument("date", type=_iso_date, help="the day, YYYY-MM-DD")
    mail.add_argument("--out", type=Path, metavar="FILE.eml", help="write the message here")
    mail.add_argument("--to", nargs="+", action="extend", default=[], metavar="ADDR",
                      help="send it to these addresses over SMTP, one copy each")
    mail.add_argument("--smtp", metavar="HOST:PORT",
                      help="the SMTP server (default: smtp in the [email] table of site.toml)")
    mail.add_argument("--dry-run", action="store_true",
                      help="print what would be written or sent, and the message; do neither")
    mail.add_argument("--output", type=Path,
                      help="read the edition from this built folder instead of output/")
    return parser


class _Version(argparse.Action):
    """--version, with Pagefind's: looked up only when asked, as running it takes a moment."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: Any = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default,
                         help=help or "print the versions of site-builder and Pagefind")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> NoReturn:
        from site_builder.about import version_text

        print(version_text())
        parser.exit()


def run() -> NoReturn:
    """The command's entry point: main(), then exit without tearing the heap down.

    A build of ten years holds some 500 MB of small objects, and freeing them one by one at
    interpreter exit took 0.4 s of a 5 s rebuild; everything that matters (the output, the
    cache, the streams) is written or closed by then. mypy exits the same way.
    """
    code = main(keep=[])  # what a build made, left for os._exit rather than freed
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, keep: list[object] | None = None) -> int:
    """Run one command; keep, when given, takes what a build made rather than freeing it
    (run() then exits without tearing the heap down)."""
    args = make_parser().parse_args(argv)
    args.keep = keep
    reporter = Reporter(0 if args.quiet else 2 if args.verbose else 1)
    try:
        if args.command == "init":  # the one command without a site yet
            return _init(args, reporter)
        config = _config(args, reporter)
        return int(COMMANDS[args.command](args, config, reporter))
    except ContentError as error:
        for problem in error.problems:
            reporter.error(str(problem))
        count = len(error.problems)
        reporter.error(f"{count} problem{'s' if count != 1 else ''} found; nothing was written")
        return EXIT_CONTENT
    except SiteBuilderError as error:
        reporter.error(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        reporter.error("interrupted; the previous output is untouched")
        return 130


def _config(args: argparse.Namespace, reporter: Reporter) -> SiteConfig:
    site = args.site
    if not site.is_dir():
        raise UsageError(f"--site {site}: no such folder")
    overrides: dict[str, Any] = {"base_url": getattr(args, "base_url", None)}
    config, warnings = load_config(site, overrides)
    for warning in warnings:
        reporter.warn(warning)
    return config


def _build(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.output.write import check_output_folder
    from site_builder.pipeline import BuildOptions, run_build

    output = args.output.absolute() if args.output else None
    # A folder not ours to replace is refused before the lock's file is made, or anything else.
    check_output_folder(output or config.output_path, config.root, config.content_path)
    with hold_site_lock(config, reporter, command="build", wait=not args.no_wait):
        summary = run_build(config, reporter, BuildOptions(
            drafts=args.drafts, output=output, jobs=args.jobs, use_cache=not args.no_cache,
            as_of=args.as_of), args.keep if args.keep is not None else [])
    reporter.info(str(summary))
    return EXIT_OK


def _check(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.pipeline import check

    with hold_site_lock(config, reporter, command="check", wait=not args.no_wait,
                        shared=True):
        schedules: list[Schedule] = []
        site = check(config, reporter, drafts=args.drafts, as_of=args.as_of,
                     schedule=schedules)
    held = schedules[0].summary(config.zone) if schedules else ""
    reporter.info(f"checked {len(site.briefings)} days, {len(site.stories)} stories: no errors"
                  + (f"; {held}" if held else ""))
    return EXIT_OK


def _schedule(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    """What waits: one line a story, soonest first; a summary line last."""
    from site_builder.content.schedule import show_time
    from site_builder.pipeline import check

    schedules: list[Schedule] = []
    with hold_site_lock(config, reporter, command="schedule", wait=not args.no_wait,
                        shared=True):
        check(config, Reporter(0), as_of=args.as_of, schedule=schedules)
    waiting = schedules[0]
    for item in waiting.held:
        print(f"{show_time(item.time, config.zone)}  {item.path}:{item.line}  {item.title}")
    reporter.info(waiting.summary(config.zone) or "nothing is scheduled")
    return EXIT_OK


def _init(args: argparse.Namespace, reporter: Reporter) -> int:
    from site_builder.scaffold import init_site, next_commands

    scaffold = init_site(args.dir, force=args.force)
    for path in scaffold.written:
        reporter.info(f"created {path}")
    for path in scaffold.kept:
        reporter.info(f"kept {path} (already there)")
    reporter.info("\nNext:\n" + "\n".join(f"  {line}" for line in next_commands(scaffold)))
    return EXIT_OK


def _new(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.scaffold import new_day

    path = new_day(config, args.date or dt.datetime.now(config.zone).date())
    reporter.info(f"created {path} (a draft: set draft: false to publish it)")
    return EXIT_OK


def _import(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.importer.convert import Streams, run_import

    # Two imports of one day take turns (the second finds the file the first wrote), and a
    # build reads either none of an import's files or all of them.
    with hold_site_lock(config, reporter, command="import", wait=not args.no_wait,
                        shared=args.dry_run):
        return run_import(args.files, content_dir=config.content_path, date=args.date,
                          dry_run=args.dry_run, force=args.force,
                          streams=Streams(sys.stdout, sys.stdin))


def _serve(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.pipeline import BuildOptions
    from site_builder.serve.server import run_server

    return run_server(config, reporter, host=args.host, port=args.port, open_browser=args.open,
                      options=BuildOptions(drafts=args.drafts, as_of=args.as_of))


def _deploy(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.deploy.command import DeployOptions, deploy

    # Shared: no build swaps output/ while it is read; deploys (and pings, emails) may overlap.
    with hold_site_lock(config, reporter, command="deploy", wait=not args.no_wait,
                        shared=True):
        deploy(config, reporter, DeployOptions(
            target=args.target, dry_run=args.dry_run, max_deletes=args.max_deletes,
            changed_urls=args.changed_urls, force=args.force, ping=not args.no_ping,
            output=args.output), sys.stdout)
    return EXIT_OK


def _ping(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.deploy.ping import run_ping

    with hold_site_lock(config, reporter, command="ping", wait=not args.no_wait, shared=True):
        return run_ping(config, reporter, dry_run=args.dry_run)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def _email(args: argparse.Namespace, config: SiteConfig, reporter: Reporter) -> int:
    from site_builder.newsletter.command import EmailRequest, email_edition

    request = EmailRequest(args.date, out=args.out, to=tuple(args.to), smtp=args.smtp,
                           dry_run=args.dry_run,
                           output=args.output.absolute() if args.output else None)
    with hold_site_lock(config, reporter, command="email", wait=not args.no_wait,
                        shared=True):
        return email_edition(config, reporter, request, sys.stdout)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _instant(text: str) -> dt.datetime:
    """--as-of: an ISO time with its offset ("2025-03-28T15:00+08:00", or Z for UTC)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time (YYYY-MM-DDTHH:MM+08:00)"
                                         ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset: add one, e.g. +08:00 or Z")
    return moment


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


COMMANDS = {"build": _build, "check": _check, "new": _new, "import": _import,
            "serve": _serve, "schedule": _schedule, "deploy": _deploy, "ping": _ping, "email": _email}
