"""HTML bodies turned into plain text."""

from __future__ import annotations

import html2text

from providers.email.sanitise import sanitise_html


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


__all__ = ["html_to_text"]
