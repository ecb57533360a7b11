"""The theme: where templates and static files come from, and the Jinja environment."""

from __future__ import annotations

import hashlib
import json
import traceback
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from site_builder import __version__
from site_builder.config import SiteConfig
from site_builder.errors import BuildError, ConfigError
from site_builder.output.i18n import (
    SITE_LOCALE,
    Interface,
    Interfaces,
    catalogs_stamp,
    template_gettext,
)

# The builder's own themes: the repository's themes/, installed as site_builder.themes
# (pyproject.toml maps the one onto the other), so the clone in an editable install and
# site-packages otherwise. The one place that knows where they are.
BUNDLED_THEMES = Path(str(resources.files("site_builder.themes")))
SHARE_IMAGE = "/static/share.png"  # 1200x630, for OpenGraph and Twitter cards


@dataclass(frozen=True, slots=True)
class Theme:
    """The folders a build reads templates and static files from, highest priority first."""

    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]


def find_theme(config: SiteConfig) -> Theme:
    """The site's own themes/<name> wins over the builder's bundled one of that name."""
    for themes in (config.root / config.themes_dir, BUNDLED_THEMES):
        folder = themes / config.theme
        if (folder / "templates").is_dir():
            break
    else:
        raise ConfigError.at(str(config.root / "site.toml"), 0,
                             f"theme {config.theme!r} not found",
                             f"create {config.themes_dir}/{config.theme}/templates/ or use "
                             '"default"')
    site_templates = config.root / config.templates_dir
    site_static = config.root / config.static_dir
    return Theme(
        template_dirs=tuple(d for d in (site_templates, folder / "templates") if d.is_dir()),
        static_dirs=tuple(d for d in (site_static, folder / "static") if d.is_dir()),
    )


def static_files(theme: Theme) -> dict[str, Path]:
    """Output path (under static/) -> source file; the site's files override the theme's."""
    files: dict[str, Path] = {}
    for folder in reversed(theme.static_dirs):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in
                                          path.relative_to(folder).parts):
                files["static/" + path.relative_to(folder).as_posix()] = path
    return dict(sorted(files.items()))


def theme_fingerprint(config: SiteConfig, theme: Theme) -> str:
    """Changes whenever any template, static file, catalog, the config or the builder
    changes."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(catalogs_stamp(config.root / SITE_LOCALE).encode())
    from site_builder.output.views import site_view  # (see make_environment)

    digest.update(json.dumps(site_view(config), sort_keys=True).encode())
    digest.update(repr(sorted((name, str(getattr(config, name)))
                              for name in config.__dataclass_fields__ if name != "root")).encode())
    for folder in theme.template_dirs + theme.static_dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


_DICT_ATTRIBUTES = frozenset(dir(dict))


class ViewEnvironment(jinja2.Environment):
    """Jinja, with `view.name` looked up in the view's dict first.

    Jinja tries an attribute before an item, and a dict's missing attribute costs a raised and
    caught AttributeError: some two hundred of them a page, a tenth of rendering a story. A
    name that is no attribute of dict gives what Jinja gives, the item or an undefined.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


class Environments:
    """One Jinja environment per page language, made when a page in it is first rendered.

    An environment holds one set of gettext translations (and its own partial cache, whose
    cards are in its language), so each page is rendered by the environment of the language
    its view names (page.lang): the view, which is hashed, stays plain data.
    """

    def __init__(self, config: SiteConfig, theme: Theme, assets: dict[str, str]) -> None:
        self.config = config
        self.theme = theme
        self.assets = assets
        self.interfaces = Interfaces(config)
        self._made: dict[str, jinja2.Environment] = {}

    def __getitem__(self, lang: str) -> jinja2.Environment:
        found = self._made.get(lang)
        if found is None:
            found = self._made[lang] = make_environment(self.config, self.theme, self.assets,
                                                        self.interfaces[lang])
        return found

    def for_view(self, view: dict[str, Any]) -> jinja2.Environment:
        page = view.get("page")
        return self[page.get("lang", "") if isinstance(page, dict) else ""]


def make_environment(config: SiteConfig, theme: Theme, assets: dict[str, str],
                     interface: Interface | None = None) -> jinja2.Environment:
    """Autoescaping, strict Jinja: an undefined name in a template is an error, not a blank.

    Templates mark their words with _() and ngettext() (jinja2.ext.i18n, newstyle: values are
    escaped and "%(num)s" filled in); interface gives their translations, the site's language
    when it is not given.
    """
    # Imported where an environment is made, not with this module: a no-op build needs only
    # find_theme, and the views and the email filters bring in the feed writers and tagger.
    from site_builder.output.edition import EDITION_FILTERS
    from site_builder.output.views import site_view

    interface = interface or Interfaces(config)[config.language]
    env = ViewEnvironment(
        extensions=["jinja2.ext.i18n"],
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment a build: no stat of the template per page
    )
    base_path = urlsplit(config.base_url).path.rstrip("/")

    def url(path: str) -> str:
        """A site-relative URL as the browser needs it when the site lives under a sub-path."""
        return base_path + path if path.startswith("/") else path

    def asset(path: str) -> str:
        version = assets.get(path.lstrip("/"), "")
        return url(path) + (f"?v={version}" if version else "")

    rendered: dict[tuple[str, str], Markup] = {}

    def partial_cached(name: str, key: str, **values: Any) -> Markup:
        """Render a small template once per key and build (Hugo's partialCached).

        A story's card looks the same on every list it is on; the key must name everything
        the partial shows (a story's URL does: its view is fixed for the whole build).
        """
        found = rendered.get((name, key))
        if found is None:
            found = rendered[(name, key)] = Markup(env.get_template(name).render(values))
        return found

    # The picture link previews show, when the theme (or the site) has one.
    share_image = config.absolute(SHARE_IMAGE) if SHARE_IMAGE.lstrip("/") in assets else ""
    env.globals.update(site=site_view(config), url=url, asset=asset,
                       absolute=config.absolute, partial_cached=partial_cached,
                       share_image=share_image)
    env.filters["json_script"] = json_for_script
    env.filters["number"] = interface.number
    env.install_gettext_translations(interface.translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(template_gettext(interface.translations))  # the same, looked up once
    # As filters too ({{ story.url|url }}): Jinja calls a filter directly, and a global
    # function through its context, which cost a tenth of a story page's fifty links.
    env.filters.update(url=url, asset=asset)
    env.filters.update(EDITION_FILTERS)
    return env


def json_for_script(value: Any) -> Markup:
    """JSON safe inside <script>: '<', '>' and '&' escaped so '</script>' cannot end it.

    Markup, so autoescaping leaves it alone: HTML entities mean nothing inside <script>.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def template_error(error: jinja2.TemplateError, page: str) -> BuildError:
    """A template mistake, named by template file and line, and the page being rendered."""
    where = ""
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = f"{error.filename or error.name}:{error.lineno}: "
    else:  # Jinja rewrites tracebacks so template frames carry the template's file and line
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if f.filename.endswith((".html", ".xml", ".txt"))]
        if frames:
            where = f"{frames[-1].filename}:{frames[-1].lineno}: "
    return BuildError(f"{where}template error while rendering {page}: {error.message or error}")
