"""Errors a user can act on: each names the file, the line and what to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourcePos:
    """Where something came from, so every message can point at it."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __reduce__(self) -> tuple[type[SourcePos], tuple[str, int]]:
        """A plain tuple: every cached story carries one, and the dataclass default is slow."""
        return SourcePos, (self.path, self.line)


class SiteBuilderError(Exception):
    """Base of the errors the CLI reports without a traceback."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or doubtful) in the input: ``path:line: message (hint)``."""

    path: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ContentError(SiteBuilderError):
    """One or more broken input files; carries every problem found, not just the first."""

    def __init__(self, problems: Problem | list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, line: int, message: str, hint: str = "") -> ContentError:
        return cls(Problem(path, line, message, hint))


class ConfigError(ContentError):
    """site.toml or a data file is wrong."""


class UsageError(SiteBuilderError):
    """The command line asks for something impossible or unsafe."""

    exit_code = 2


class BuildError(SiteBuilderError):
    """The build could not finish for a reason outside the content (disk full, read-only)."""


class DeployError(SiteBuilderError):
    """A deploy could not finish: the target refused, could not be reached, or ran out of room.
    What the readers see is never half a site: the message says what stands at the target."""


class MailError(SiteBuilderError):
    """The email edition could not be made or sent: not built, no such day, or the SMTP server
    refused (connection, TLS, login, a recipient)."""
