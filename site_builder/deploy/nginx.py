"""The nginx configuration that serves a web-root target with the headers an S3 upload gets.

Object storage keeps each file's headers with it; a web server decides them per request. So
a file:// deploy writes, beside its versions, a ``location`` block for nginx made from the
same rules (headers.py): pretty URLs (a folder's index.html), the site's 404 page, each
kind's Cache-Control, and each file's Content-Type, feeds and charsets included. A server
block takes it with one line, ``include /srv/www/.briefing.deploy/nginx.conf;``.
"""

from __future__ import annotations

import re
from pathlib import Path

from site_builder.deploy.headers import CACHE_CLASS, DEFAULT_TYPE, RULES, Headers


def nginx_snippet(link: Path, base_path: str, headers: Headers) -> str:
    """A location block serving the folder link at base_path ("/" or "/briefing/")."""
    base = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    types_by_value: dict[str, list[str]] = {}
    for extension, value in sorted(headers.extension_types.items()):
        types_by_value.setdefault(value, []).append(extension.lstrip("."))
    lines = [
        "# Written by site-builder deploy; include it in a server block. Do not edit: the",
        "# next deploy writes it again from site.toml.",
        f"location {base} {{",
        f'    alias "{link}/";',
        "    index index.html;",
        f"    error_page 404 {base}404.html;",
        "    types {",
        *(f'        "{value}" {" ".join(names)};' for value, names in types_by_value.items()),
        "    }",
        f"    default_type {DEFAULT_TYPE};",
        f'    add_header Cache-Control "{headers.cache_control["other"]}" always;',
    ]
    for rule in RULES:
        cache_class = CACHE_CLASS[rule.kind]
        if rule.pattern == ".+":
            continue  # the catch-all: the outer block's own headers
        lines.append(f'    location ~ "^{re.escape(base)}(?:{rule.pattern})$" {{')
        if rule.content_type:
            lines += ["        types { }", f'        default_type "{rule.content_type}";']
        lines.append(f'        add_header Cache-Control "{headers.cache_control[cache_class]}" '
                     "always;")
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"
