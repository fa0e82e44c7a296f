"""Readers for the cues the priority rules weigh: deadlines, outages, money and customer tier.

Each reader returns the phrase it found (quoted back to people as the reason) or None. They read
the words, in English, French, German and Spanish for the common forms, not the typography.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

#: A date this many days ahead or less is a deadline; a past date never is.
DEADLINE_DAYS = 3


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_WEEKDAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    r"lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
)
_RELATIVE_DEADLINES = _rx(
    # Not "until": "it was working fine until Monday" is the past.
    rf"\b(?:by|before|no later than|for) (?:this |next )?(?:tomorrow|tonight|today|"
    rf"end of (?:the )?(?:day|week|month)|{_WEEKDAYS})\b",
    r"\b(?:tomorrow morning|first thing tomorrow)\b",
    r"\b(?:by|before) \d{1,2}(?::\d{2})? ?(?:am|pm)\b|\b(?:by|before) \d{1,2}:\d{2}\b",
    rf"\b(?:avant|d'ici|pour|jusqu'à) (?:demain|ce soir|aujourd'hui|la fin de (?:la )?"
    rf"(?:journée|semaine)|{_WEEKDAYS})\b",
    r"\bavant \d{1,2} ?h(?:\d{2})?\b",
    rf"\b(?:bis|vor|spätestens) (?:zum )?(?:morgen|heute|heute abend|ende der woche|monatsende|"
    rf"{_WEEKDAYS})\b",
    r"\bbis \d{1,2}(?::\d{2})? uhr\b",
    # Not "hasta el": "hasta el martes funcionaba" is the past.
    rf"\b(?:antes del?|para (?:el )?) (?:mañana|hoy|esta noche|fin de semana|"
    rf"{_WEEKDAYS})\b",
    r"\bantes de las \d{1,2}(?::\d{2})?\b",
)
_MONTHS = {
    **dict.fromkeys(("january", "janvier", "januar", "enero", "jan"), 1),
    **dict.fromkeys(("february", "février", "fevrier", "februar", "febrero", "feb"), 2),
    **dict.fromkeys(("march", "mars", "märz", "marz", "marzo", "mar"), 3),
    **dict.fromkeys(("april", "avril", "abril", "apr"), 4),
    **dict.fromkeys(("may", "mai", "mayo"), 5),
    **dict.fromkeys(("june", "juin", "juni", "junio", "jun"), 6),
    **dict.fromkeys(("july", "juillet", "juli", "julio", "jul"), 7),
    **dict.fromkeys(("august", "août", "aout", "agosto", "aug"), 8),
    **dict.fromkeys(("september", "septembre", "septiembre", "sep", "sept"), 9),
    **dict.fromkeys(("october", "octobre", "oktober", "octubre", "oct"), 10),
    **dict.fromkeys(("november", "novembre", "noviembre", "nov"), 11),
    **dict.fromkeys(("december", "décembre", "decembre", "dezember", "diciembre", "dec"), 12),
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|er)?\.? (?:de )?({_MONTH})\b(?: (?:de )?(\d{{4}}))?", re.I
)
_MONTH_DAY = re.compile(rf"\b({_MONTH}) (\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (\d{{4}}))?", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?\b")


def _date(year: int | None, month: int, day: int, today: date) -> date | None:
    """The date meant; without a year, the one of last, this or next year nearest to today."""
    years = (year,) if year else (today.year - 1, today.year, today.year + 1)
    candidates = []
    for y in years:
        try:
            candidates.append(date(y, month, day))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs(d - today)) if candidates else None


def _dates(text: str, today: date) -> list[tuple[str, date]]:
    found: list[tuple[str, date | None]] = []
    for m in _DAY_MONTH.finditer(text):
        year = int(m[3]) if m[3] else None
        found.append((m[0], _date(year, _MONTHS[m[2].lower()], int(m[1]), today)))
    for m in _MONTH_DAY.finditer(text):
        year = int(m[3]) if m[3] else None
        found.append((m[0], _date(year, _MONTHS[m[1].lower()], int(m[2]), today)))
    for m in _ISO_DATE.finditer(text):
        found.append((m[0], _date(int(m[1]), int(m[2]), int(m[3]), today)))
    for m in _NUMERIC_DATE.finditer(text):
        # Day first, as in most of Europe; a prices-like "4.99" is not a date (no month 99).
        year = int(m[3]) if m[3] else None
        found.append((m[0], _date(year, int(m[2]), int(m[1]), today)))
    return [(phrase, d) for phrase, d in found if d is not None]


def find_deadline(text: str, today: date | None) -> str | None:
    """A deadline: "by Friday", "avant 17h", or an explicit date within a few days ahead."""
    for pattern in _RELATIVE_DEADLINES:
        if m := pattern.search(text):
            return m[0]
    if today is None:
        return None
    for phrase, when in _dates(text, today):
        if today <= when <= today + timedelta(days=DEADLINE_DAYS):
            return phrase
    return None


_OUTAGES = _rx(
    r"\b(?:site|website|app|service|platform|dashboard|api|checkout|everything|server|system)s? "
    r"(?:is |are |seems |seem |has been |have been )?(?:down|offline|unavailable)\b",
    r"\b(?:outage|service unavailable)\b",
    r"\b50[234]\b.{0,20}\berrors?\b|\berrors?\b.{0,20}\b50[234]\b",
    r"\b(?:our (?:whole |entire )?(?:team|company|office|staff)|nobody|no one|none of us|we) "
    r"(?:can't|cannot|can not|is unable to|are unable to|can no longer) "
    r"(?:work|log ?in|sign ?in|access [a-z ]{0,20})\b",
    r"\b(?:whole|entire) (?:team|company|office) is (?:blocked|stuck|down)\b",
    r"\b(?:en panne|hors service|panne générale)\b",
    r"\b(?:personne ne peut|nous ne pouvons plus (?:travailler|nous connecter)|"
    r"toute l'équipe (?:est bloquée|ne peut))\b",
    r"\b(?:ausgefallen|ausfall|nicht erreichbar|komplett down)\b",
    r"\b(?:niemand kann|wir können nicht (?:mehr )?arbeiten|das ganze team (?:kann|ist))\b",
    r"\b(?:está caíd[oa]|caída del servicio|fuera de servicio|no funciona para nadie)\b",
    r"\b(?:nadie puede|no podemos trabajar|todo el equipo (?:está bloqueado|no puede))\b",
)
_PEOPLE = (
    r"users|customers|employees|staff|people|agents|colleagues|utilisateurs|clients|employés|"
    r"personnes|collègues|nutzer|benutzer|kunden|mitarbeiter|mitarbeitende|kollegen|usuarios|"
    r"clientes|empleados|personas|compañeros"
)
_AFFECTED = (
    r"affected|impacted|blocked|can't|cannot|can not|unable|locked out|concernés|touchés|"
    r"bloqués|ne peuvent|betroffen|können nicht|gesperrt|afectados|bloqueados|no pueden"
)
_MANY_PEOPLE = re.compile(rf"\b(\d{{1,6}}) (?:of (?:our|my) )?(?:{_PEOPLE})\b(.{{0,40}})", re.I)
_AFFECTED_RX = re.compile(rf"\b(?:{_AFFECTED})", re.I)
#: This many people affected at once makes an outage of it.
MANY_PEOPLE = 5


def find_outage(text: str) -> str | None:
    """A service down, a team that cannot work, or many named people affected."""
    for pattern in _OUTAGES:
        if m := pattern.search(text):
            return m[0]
    for m in _MANY_PEOPLE.finditer(text):
        affected = _AFFECTED_RX.search(m[2])
        if int(m[1]) >= MANY_PEOPLE and affected:
            return text[m.start() : m.start(2) + affected.end()]
    return None


_CURRENCY_BEFORE = r"€|\$|£|EUR|USD|GBP|CHF"
_CURRENCY_AFTER = r"€|\$|£|EUR|USD|GBP|CHF|euros?|dollars?|pounds?|francs?"
_NUMBER = r"\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?:(?<![\w])({_CURRENCY_BEFORE}) ?({_NUMBER}))"
    rf"|(?:\b({_NUMBER}) ?({_CURRENCY_AFTER})(?![\w]))",
    re.IGNORECASE,
)


def _value(number: str) -> float:
    """1,240 / 1.240,50 / 1 240 / 45.99 read as numbers whichever separators they use."""
    digits = number.replace("\u00a0", " ").replace(" ", "")
    m = re.search(r"[.,](\d{1,2})$", digits)
    whole, cents = (digits[: m.start()], m[1]) if m else (digits, "0")
    return float(re.sub(r"[.,]", "", whole) + "." + cents)


def find_amounts(text: str) -> list[tuple[str, float]]:
    """Money written with a currency, largest first; a bare number (an order number) is not."""
    found = []
    for m in _AMOUNT.finditer(text):
        number = m[2] or m[3]
        found.append((m[0].strip(), _value(number)))
    return sorted(found, key=lambda item: -item[1])


#: Plan or tier names that mark a customer whose mail weighs more.
PRIORITY_TIERS = ("enterprise", "premium", "business", "vip", "platinum", "gold")
_TIER_NAME = r"(enterprise|premium|business|vip|platinum|gold|pro|starter|basic|free)"
# The customer's own plan, not one they ask about ("the difference between Starter and Business").
_TIER = _rx(
    rf"\b(?:i'm on|i am on|we're on|we are on|our|my) (?:the )?{_TIER_NAME}[- ]"
    r"(?:plan|tier|account|subscription|customers?)\b",
    rf"\b(?:notre|mon) (?:abonnement|offre|forfait|plan|compte) {_TIER_NAME}\b",
    rf"\b(?:unser(?:en|em)?|mein(?:en|em)?) {_TIER_NAME}[- ]?(?:plan|tarif|abo|konto)\b",
    rf"\b(?:nuestro|mi) (?:plan|cuenta|suscripción) {_TIER_NAME}\b",
)


def find_tier(text: str) -> str | None:
    """A plan named in the email: "our Enterprise plan", "abonnement Premium"."""
    for pattern in _TIER:
        if m := pattern.search(text):
            return m[1].lower()
    return None
