"""The one HTML policy: what of a customer's HTML mail may ever be rendered.

Tags a support agent needs to read the mail are kept; everything else (scripts, styles, forms,
iframes, event handlers) is removed. Images are removed too: a remote image is a tracking pixel
that tells the sender when an agent opened the email. Links keep only absolute http(s) and mailto
targets (a relative one would point into Mailroom itself), open in a new tab (never replacing
the app) and without telling the target who sent the visitor. For display, each link is
followed by its real target, so a link whose text says one address and goes to another shows it.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

import nh3

_TAGS = frozenset({
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul",
})  # fmt: skip
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes={"a": frozenset({"href", "title"}), "td": frozenset({"colspan", "rowspan"})},
    url_schemes=frozenset({"http", "https", "mailto"}),
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    url_relative="deny",
)


def sanitise_html(markup: str) -> str:
    """``markup`` reduced to harmless formatting by the policy above: safe to render."""
    return _CLEANER.clean(markup)


class _LinkTargets(HTMLParser):
    """Re-emits sanitised markup with each link's target written out after the link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._links: list[tuple[str | None, list[str]]] = []

    @staticmethod
    def _tag(tag: str, attrs: list[tuple[str, str | None]], close: str = "") -> str:
        rendered = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs
        )
        return f"<{tag}{rendered}{close}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs))
        if tag == "a":
            self._links.append((dict(attrs).get("href"), []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, " /"))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        if tag == "a" and self._links:
            href, text = self._links.pop()
            if href and href.strip() != "".join(text).strip():
                self.out.append(f" <code>⟨{html.escape(href, quote=True)}⟩</code>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))
        for _, text in self._links:
            text.append(data)


def sanitise_for_display(markup: str) -> str:
    """``markup`` sanitised by the policy above, each link followed by where it really goes
    (shown as text), for a person to read before they click."""
    parser = _LinkTargets()
    parser.feed(sanitise_html(markup))
    parser.close()
    return _CLEANER.clean("".join(parser.out))


__all__ = ["sanitise_for_display", "sanitise_html"]
