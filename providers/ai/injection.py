"""Recognise an email that tries to instruct the model ("ignore your instructions ...").

This is a rule list, not a model, on purpose: the result only ever sends an email to a person,
so a false alarm costs an agent a look and a miss is caught by the model prompts that treat the
email as data. Patterns cover English, French, German and Spanish phrasings of overriding
instructions, role changes, prompt extraction and fake system/assistant turns.
"""

from __future__ import annotations

import re

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "override instructions",
            r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|prompts?|"
            r"rules|guidelines|directions|programming|system message)\b",
        ),
        ("new instructions", r"\b(new|updated|real) (instructions|system prompt|rules)\s*:"),
        (
            "role change",
            r"\b(you are now|from now on,? you (are|will)|act as|pretend to be|roleplay as)\b",
        ),
        (
            "prompt extraction",
            r"\b(reveal|print|show|repeat|output)\b.{0,30}\b(system prompt|your (instructions|"
            r"prompt)|hidden (instructions|prompt))\b",
        ),
        ("fake turn", r"(^|\n)\s*(system|assistant|###\s*instruction)\s*:"),
        (
            "model directive",
            r"\b(as an? (ai|language model)|dear (ai|assistant|chatbot|gpt|claude))\b.{0,60}"
            r"\b(must|should|will|classify|mark|label|approve|refund|send)\b",
        ),
        (
            "forced outcome",
            r"\b(classify|label|mark|categori[sz]e) (this|the) (email|message|ticket) as\b",
        ),
        (
            "override instructions (fr)",
            r"\b(ignore[zr]?|oublie[zr]?)\b.{0,40}\b(instructions|consignes|règles)\b",
        ),
        (
            "override instructions (de)",
            r"\b(ignorier(e|en)?|vergiss|vergessen sie)\b.{0,40}\b(anweisungen|regeln|"
            r"vorgaben|instruktionen)\b",
        ),
        (
            "override instructions (es)",
            r"\b(ignora|ignore|olvida|olvide)\b.{0,40}\b(instrucciones|reglas|indicaciones)\b",
        ),
    )
)


def injection_signals(text: str) -> list[str]:
    """Names of the instruction-like patterns found in ``text`` (empty when none)."""
    return [name for name, pattern in _PATTERNS if pattern.search(text)]
