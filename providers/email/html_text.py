"""HTML bodies: sanitised before anyone may render them, and turned into plain text."""

from __future__ import annotations

import html2text
import nh3

# Tags a support agent needs to read a customer's HTML mail; everything else (scripts, styles,
# forms, iframes, event handlers, remote images) is removed by the sanitiser.
_ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(markup: str) -> str:
    """``markup`` reduced to harmless formatting: safe to render in the app."""
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML body (sanitised first, so hidden scripts add no text)."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True
    text = converter.handle(sanitise_html(markup))
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines).strip()


__all__ = ["html_to_text", "sanitise_html"]
