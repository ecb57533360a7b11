"""Re-serialising HTML fragments with the standard parser, for the few places that must
change markup after Markdown rendering (heading levels, absolute links in feeds)."""

from __future__ import annotations

from html.parser import HTMLParser


class FragmentWriter(HTMLParser):
    """Writes back what it reads; subclasses change the tags they care about."""

    def __init__(self, *, convert_charrefs: bool) -> None:
        super().__init__(convert_charrefs=convert_charrefs)
        self.out: list[str] = []

    def rewrite(self, fragment: str) -> str:
        self.feed(fragment)
        self.close()
        return "".join(self.out)

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
