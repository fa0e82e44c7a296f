"""Recognise an email that tries to instruct the model ("ignore your instructions ...").

This is a rule list, not a model, on purpose: the result only ever sends an email to a person,
so a false alarm costs an agent a look and a miss is caught by the model prompts that treat the
email as data (and by the rule that nothing flagged is sent unless a person approved it).
Patterns cover English, French, German and Spanish phrasings of overriding instructions, role
changes, prompt extraction, fake system/assistant turns and chat-template tokens, and requests
that the automation itself act (refund, approve, send) without a person.

Attackers obfuscate, so each text is also read in normalised forms: Unicode compatibility
forms folded (full-width letters), invisible characters removed, look-alike Cyrillic and Greek
letters mapped to Latin ones, letter-spaced words joined ("i g n o r e"), digits read as
letters ("1gn0re") and base64 runs decoded. The whole email is read — subject, every quoted
reply and the HTML part — because an instruction hidden in a quote is still read by a model.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from providers.email.base import InboundEmail
from providers.email.html_text import html_to_text

_WORD_GAP = r"(?:\s+\S+){0,6}?\s+"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "override instructions",
            r"\b(ignore|disregard|forget|override|bypass|skip)\b(?:\s+(?!my\b|our\b)[\w'-]+){0,4}?"
            r"\s+(instructions?|prompts?|rules|guidelines|directions|directives|programming|"
            r"system message|guardrails?|safety (rules|filters?))\b",
        ),
        (
            "override instructions",
            r"\b(ignore|disregard|forget)\b\s+(all|everything)\s+(of\s+)?(the\s+)?"
            r"(above|before|previous|prior|you were told)",
        ),
        ("new instructions", r"\b(new|updated|real|true) (instructions|system prompt|rules)\s*:"),
        (
            "new instructions",
            r"\byour (new|real|actual|only) (task|job|goal|instructions?|purpose) (is|are)\b",
        ),
        (
            "role change",
            r"\b(you are now|from now on,? you (are|will|must)|pretend (to be|you are)|"
            r"role-?play as|act as (an? )?(unrestricted|unfiltered|jailbroken|different)|"
            r"developer mode|do anything now|jailbreak)\b",
        ),
        (
            "prompt extraction",
            r"\b(reveal|print|show|repeat|output|display|tell me|leak|dump)\b.{0,40}"
            r"\b(system prompt|initial prompt|your (instructions|prompt|rules|configuration)|"
            r"hidden (instructions|prompt)|(text|words|everything) above)\b",
        ),
        (
            "fake turn",
            r"(^|\n)\s*[\[<#*]*\s*(system|assistant|developer|###\s*instruction)\s*[\]>*]*\s*:",
        ),
        ("fake turn", r"(^|\n)\s*[\[<]\s*(system|sys|admin|developer|assistant)\s*[\]>]"),
        (
            "fake turn",
            r"<\|?\s*(im_start|im_end|system|endoftext)\s*\|?>|\[/?(inst|sys)\]|<</?sys>>|"
            r"\b(begin|end) (of )?system (prompt|message)\b|\bsystem override\b",
        ),
        (
            "model directive",
            r"\b(as an? (ai|language model)|dear (ai|assistant|chatbot|bot|gpt|claude|model)|"
            r"(ai|automated|auto-?reply) (assistant|system|agent|bot)s?,)"
            r".{0,80}\b(must|should|will|classify|mark|label|approve|refund|send|reply|ignore)\b",
        ),
        (
            "model directive",
            r"\b(to|attention|note (to|for)|message (to|for))\s*(the\s+)?(ai|llm|gpt|language "
            r"model|chatbot|assistant|bot)\b\s*[:,-]",
        ),
        (
            "forced outcome",
            r"\b(classify|label|mark|categori[sz]e|flag|tag)\s+(this|the|my)\s+(email|message|"
            r"ticket|request)\s+as\b",
        ),
        (
            "forced outcome",
            r"\b(automatically|auto-?|immediately)\s*(approve|issue|send|process|grant)\b.{0,60}"
            r"\b(refund|reply|credit|payment|approval)\b.{0,60}\b(without|no|skip(ping)?)\b.{0,30}"
            r"\b(review|approval|human|agent|person|check)",
        ),
        (
            "forced outcome",
            r"\b(do not|don't|never)\s+(tell|inform|alert|notify|escalate to|involve|show)"
            r"\s+(a|the|any)?\s*(human|agent|person|staff|supervisor|reviewer)",
        ),
        (
            "override instructions (fr)",
            r"\b(ignore[zr]?|oublie[zr]?|ne tiens? pas compte)\s+(de\s+|des\s+)?(toutes\s+)?"
            r"(les|tes|vos|ces|d'|l')\s*(\w+\s+)?(instructions|consignes|règles|directives)\b",
        ),
        (
            "role change (fr)",
            r"\b(tu es (maintenant|désormais)|vous êtes (maintenant|désormais)|"
            r"à partir de maintenant,? (tu|vous)|fais semblant d'être)\b",
        ),
        (
            "prompt extraction (fr)",
            r"\b(révèle|montre|affiche|répète|donne)[sz]?\b.{0,30}"
            r"\b(prompt|(tes|vos) (instructions|consignes))\b",
        ),
        (
            "override instructions (de)",
            r"\b(ignorier(e|en)?|vergiss|vergessen sie|missachte)\b.{0,40}\b(anweisungen|regeln|"
            r"vorgaben|instruktionen|befehle)\b",
        ),
        (
            "role change (de)",
            r"\b(du bist (jetzt|nun|ab sofort)|sie sind (jetzt|nun|ab sofort)|ab (jetzt|sofort) "
            r"bist du|tu so, als ob)\b",
        ),
        (
            "prompt extraction (de)",
            r"\b(zeige?|verrate|gib)\b.{0,30}\b(systemprompt|system-prompt|prompt|deine "
            r"(anweisungen|instruktionen))\b",
        ),
        (
            "override instructions (es)",
            r"\b(ignora|ignore|olvida|olvide|haz caso omiso de)\b.{0,40}"
            r"\b(instrucciones|reglas|indicaciones|directrices)\b",
        ),
        (
            "role change (es)",
            r"\b(ahora eres|a partir de ahora,? (eres|serás|vas a)|finge ser|actúa como si)\b",
        ),
        (
            "prompt extraction (es)",
            r"\b(revela|muestra|repite|dime)\b.{0,30}\b(prompt|tus (instrucciones|reglas))\b",
        ),
    )
)

# Characters that render as nothing: used to split a trigger word so plain matching misses it.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"), None
)
# Cyrillic and Greek letters that look like Latin ones (a Cyrillic "o" in "ign\u043ere"),
# written as escapes so the source shows what they are.
_CONFUSABLES = str.maketrans(
    (
        "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u0261\u04cf\u0410"
        "\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0406\u0408\u0405\u0391"
        "\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf"
        "\u03b1\u03c1\u03bd\u03b9"
    ),
    "aeopcyxijsdglABEKMHOPCTXIJSABEZHIKMNOPTYXoapvi",
)
_LEET = str.maketrans("013457@$!|", "oieastasil")
# Runs of single characters split by one separator: "i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e".
_SPACED = re.compile(r"\b(?:\w[ .\-_*]){3,}\w\b")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")


def _join_spaced(text: str) -> str:
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)


def _decoded_runs(text: str) -> list[str]:
    """Text hidden in base64 runs (only runs that decode to mostly printable UTF-8)."""
    found = []
    for run in _BASE64_RUN.findall(text):
        padded = run + "=" * (-len(run) % 4)
        try:
            decoded = base64.b64decode(padded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        printable = sum(ch.isprintable() or ch.isspace() for ch in decoded)
        if decoded and printable / len(decoded) > 0.95:
            found.append(decoded)
    return found


def normalised_forms(text: str) -> tuple[list[str], list[str]]:
    """``text`` as written and de-obfuscated (each form once), and what its base64 runs say."""
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_CONFUSABLES)
    joined = _join_spaced(folded)
    direct = list(dict.fromkeys([text, folded, joined, joined.translate(_LEET)]))
    return direct, _decoded_runs(folded)


def injection_signals(text: str) -> list[str]:
    """Names of the instruction-like patterns found in ``text`` or its de-obfuscated forms
    (empty when none); a pattern found only in decoded base64 is named "encoded instructions"."""
    direct, decoded = normalised_forms(text)
    signals: list[str] = []
    for name, pattern in _PATTERNS:
        if any(pattern.search(form) for form in direct):
            signals.append(name)
        elif any(pattern.search(form) for form in decoded):
            signals.append("encoded instructions")
    return list(dict.fromkeys(signals))


def injection_scan_text(email: InboundEmail) -> str:
    """Everything of ``email`` a model might read: the subject, the whole text with its quoted
    replies, and the text of the HTML part (which may say something else than the text part)."""
    parts = [email.subject, email.body_text]
    if email.body_html:
        parts.append(html_to_text(email.body_html))
    return "\n".join(part for part in parts if part)


__all__ = ["injection_scan_text", "injection_signals", "normalised_forms"]
