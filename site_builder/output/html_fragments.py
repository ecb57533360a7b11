"""Re-serialising HTML fragments with the standard parser, for the few places that must
change markup after Markdown rendering (heading levels, links to mentioned companies, absolute
links in feeds)."""

from __future__ import annotations

from html.parser import HTMLParser


class FragmentWriter(HTMLParser):
    """Writes back what it reads; subclasses override only the handlers of what they change.

    Tags come back as written and text and references as they came. With convert_charrefs
    the parser hands text over decoded ("a < b"), so a subclass that sets it must escape text
    again (the feeds' absolute links do).
    """

    def __init__(self, *, convert_charrefs: bool) -> None:
        super().__init__(convert_charrefs=convert_charrefs)
        self.out: list[str] = []

    def rewrite(self, fragment: str) -> str:
        self.feed(fragment)
        self.close()
        return "".join(self.out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        # The parser hands over "CDATA[x" for <![CDATA[x]]> and "if IE" for <![if IE]>.
        end = "]]>" if data.startswith("CDATA[") else "]>"
        self.out.append(f"<![{data}{end}")
