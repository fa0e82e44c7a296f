"""The one HTML policy: what of a customer's HTML mail may ever be rendered.

Tags a support agent needs to read the mail are kept; everything else (scripts, styles, forms,
iframes, event handlers) is removed. Images are removed too: a remote image is a tracking pixel
that tells the sender when an agent opened the email. Links keep only http(s) and mailto targets
and open without telling the target who sent the visitor.
"""

from __future__ import annotations

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
)


def sanitise_html(markup: str) -> str:
    """``markup`` reduced to harmless formatting by the policy above: safe to render."""
    return _CLEANER.clean(markup)


__all__ = ["sanitise_html"]
