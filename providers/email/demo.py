"""The demo mailbox: an endless, reproducible stream of realistic customer emails.

Email number ``i`` is a pure function of the source's settings and ``i``: every email draws
from its own ``random.Random(f"{seed}:{i}")``, so any email can be regenerated on its own, in
any order, in any process. A follow-up regenerates the email it replies to (cheaply: only the
facts the reply needs) to take its subject, customer and message id.
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from itertools import accumulate
from random import Random
from typing import NamedTuple, TypeVar, cast

from providers.ai.base import Priority, Sentiment
from providers.ai.taxonomy import SUPPORT_CATEGORIES
from providers.email import demo_corpus as corpus
from providers.email.base import EmailSource, FetchResult, InboundEmail
from providers.email.subjects import reply_subject
from providers.errors import PermanentProviderError, ProviderConfigError

_T = TypeVar("_T")

SECONDS_PER_EMAIL = 90
"""Average gap between two demo emails: email ``i`` arrives ``i`` gaps after ``start``, plus a
jitter shorter than one gap (so arrival order is index order)."""

# Follow-ups answer something from the last ~3 days, as real customers do.
_MAX_FOLLOW_UP_DISTANCE = 3 * 24 * 3600 // SECONDS_PER_EMAIL
_MESSAGE_ID_DOMAIN = "customers.mailroom.example"

# How often each priority shows in the wording; "normal" never does.
_URGENCY_CHANCE: dict[str, float] = {"urgent": 1.0, "high": 0.85, "low": 0.7}

_ORDER_KEYS = ("order",)
_AMOUNT_KEYS = ("amount", "amount_alt")
_PRODUCT_KEYS = ("product", "plan", "item")
_EMAIL_KEYS = ("new_email",)


class DemoLabels(NamedTuple):
    """The ground truth behind one demo email, for tests and classifier evaluation.

    The entity tuples hold exactly the values that appear, verbatim, in the subject or body.
    ``thread_root`` is the index of the email that started the thread (its own for a first
    email). A named tuple because bulk generation builds one per email.
    """

    category: str
    priority: Priority
    sentiment: Sentiment
    language: str
    is_follow_up: bool = False
    thread_root: int = 0
    order_numbers: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


class _Weighted:
    """Picks a value with probability proportional to its weight, from one uniform draw."""

    __slots__ = ("_cumulative", "_last", "_total", "_values")

    def __init__(self, values: Sequence[str], weights: Sequence[float]) -> None:
        self._values = tuple(values)
        self._cumulative = list(accumulate(weights))
        self._total = self._cumulative[-1]
        self._last = len(self._values) - 1

    def pick(self, u: float) -> str:
        # bisect_right never lands on a zero-weight entry: its cumulative equals the one before.
        index = bisect_right(self._cumulative, u * self._total)
        return self._values[index if index <= self._last else self._last]


def _validated_mix(
    name: str, mix: Mapping[str, float] | None, allowed: Sequence[str], default: Mapping[str, float]
) -> _Weighted:
    source = default if mix is None else mix
    unknown = sorted(set(source) - set(allowed))
    if unknown:
        raise ProviderConfigError(
            f"{name}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"expected some of {', '.join(allowed)}"
        )
    weights: list[float] = []
    for key in allowed:
        weight = source.get(key, 0.0)
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ProviderConfigError(
                f"{name}: the weight of {key!r} must be a finite number >= 0, got {weight!r}"
            )
        weights.append(float(weight))
    if sum(weights) <= 0:
        raise ProviderConfigError(f"{name}: at least one weight must be greater than zero")
    return _Weighted(allowed, weights)


def _validated_rate(name: str, value: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0.0 <= value <= 1.0  # also refuses NaN
    ):
        raise ProviderConfigError(f"{name}: must be a number between 0 and 1, got {value!r}")
    return float(value)


_TRANSLITERATION = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ł": "l", "Ł": "L", "œ": "oe"}
)


def _slug(name: str) -> str:
    """The ASCII, lower-case form of a name, as it would appear in an email address."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
    return "".join(c for c in decomposed.encode("ascii", "ignore").decode().lower() if c.isalnum())


_SLUGS: dict[str, str] = {
    name: _slug(name)
    for culture in corpus.CULTURES.values()
    for name in (*culture.first, *culture.last)
}
_CULTURE_PICKERS: dict[str, _Weighted] = {
    language: _Weighted(tuple(mix), tuple(mix.values()))
    for language, mix in corpus.CULTURE_MIX.items()
}
_ALL_CULTURES: tuple[corpus.Culture, ...] = tuple(corpus.CULTURES.values())
_PLAN_NAMES = tuple(p.name for p in corpus.PLANS)
_ITEM_NAMES = tuple(p.name for p in corpus.ITEMS)
_CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}


def _money(value: float, currency: str, symbol_after: bool) -> str:
    if symbol_after:
        return f"{value:.2f}".replace(".", ",") + " €"
    return f"{_CURRENCY_SYMBOLS[currency]}{value:,.2f}"


def _price(product: corpus.Product, currency: str) -> float:
    if currency == "EUR":
        return product.eur
    return product.gbp if currency == "GBP" else product.usd


def _capitalised(text: str) -> str:
    # Leave "iPhone ..." alone: a lower-case letter followed by a capital is a brand.
    if text[:1].islower() and not text[1:2].isupper():
        return text[0].upper() + text[1:]
    return text


class _Details(dict[str, str]):
    """The variable details of one email, drawn the first time a template asks for them.

    Facts fixed by the thread (customer, product, order, ...) come from ``facts``; whatever a
    template used stays in the dict, which is how the entity labels know what was written.
    """

    __slots__ = ("facts", "language", "random", "symbol_after")

    def __init__(
        self, random: Callable[[], float], language: str, facts: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.random = random
        self.language = language
        self.facts = facts
        self.symbol_after = corpus.LANGUAGE_PACKS[language].currency_after

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.random() * len(options))]

    def number(self, low: int, high: int) -> int:
        """A whole number in ``[low, high]``."""
        return low + int(self.random() * (high - low + 1))

    def written(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        """The values of those of ``keys`` that a template has used, in ``keys`` order."""
        found: tuple[str, ...] = ()
        for key in keys:
            value = self.get(key)  # get() never calls __missing__
            if value is not None:
                found += (value,)
        return found

    def __missing__(self, key: str) -> str:
        value = self.facts.get(key)
        if value is None:
            maker = _DETAIL_MAKERS.get(key)
            if maker is not None:
                value = maker(self)
            else:
                choices = corpus.DETAIL_CHOICES[key]
                value = self.pick(choices.get(self.language) or choices["en"])
        self[key] = value
        return value


def _amount_alt(d: _Details) -> str:
    price = float(d.facts["price"])
    factor = d.pick(("2", "1.2", "12", "0.5", "1.19", "1.5"))
    return _money(round(price * float(factor), 2), d.facts["currency"], d.symbol_after)


def _vat(d: _Details) -> str:
    if d.language == "fr":
        return f"FR{d.number(10, 99)}{d.number(100_000_000, 999_999_999)}"
    if d.language == "de":
        return f"DE{d.number(100_000_000, 999_999_999)}"
    if d.language == "es":
        return f"ESB{d.number(10_000_000, 99_999_999)}"
    return f"GB{d.number(100_000_000, 999_999_999)}"


def _colleague(d: _Details) -> str:
    culture = _ALL_CULTURES[int(d.random() * len(_ALL_CULTURES))]
    return f"{d.pick(culture.first)} {d.pick(culture.last)}"


def _new_email(d: _Details) -> str:
    domain = d.pick(corpus.PERSONAL_DOMAINS[d.language])
    return f"{d.facts['first_slug']}.{d.facts['last_slug']}{d.number(1, 99)}@{domain}"


_DETAIL_MAKERS: dict[str, Callable[[_Details], str]] = {
    "amount_alt": _amount_alt,
    "vat": _vat,
    "colleague": _colleague,
    "new_email": _new_email,
    "plan": lambda d: d.pick(_PLAN_NAMES),
    "item": lambda d: d.pick(_ITEM_NAMES),
    "invoice": lambda d: f"INV-{d.facts['year_now']}-{d.number(10_000, 99_999)}",
    "last4": lambda d: f"{d.number(0, 9999):04d}",
    "seats": lambda d: str(d.number(3, 60)),
    "seats_used": lambda d: str(max(1, int(int(d["seats"]) * (0.3 + 0.5 * d.random())))),
    "count": lambda d: str(d.number(2, 6)),
    "days": lambda d: str(d.number(3, 21)),
    "year": lambda d: str(d.number(2014, 2024)),
    "size": lambda d: d.pick(("10", "20", "25", "50", "100")),
    "seconds": lambda d: str(d.number(8, 60)),
    "house_number": lambda d: str(d.number(1, 240)),
    "tracking": lambda d: f"1Z{d.number(0, 0xFFFFFF):06X}{d.number(0, 10**10 - 1):010d}",
    "request_id": lambda d: f"req_{d.number(0, 16**12 - 1):012x}",
}


@dataclass(slots=True)
class _Link:
    """One email of a thread, as far as the thread needs it."""

    index: int
    random: Callable[[], float]
    received_at: datetime


@dataclass(slots=True)
class _Root:
    """The first email of a thread: who wrote, about what, in which language."""

    category: str
    language: str
    priority: Priority
    sentiment: Sentiment
    first: str
    last: str
    from_name: str
    address: str
    work_address: bool
    facts: dict[str, str]
    topic: corpus.Topic
    subject: str
    details: _Details


class DemoEmailSource(EmailSource):
    """A mailbox of generated customer emails for "Mailroom Demo Shop".

    Mixes are relative weights (they need not sum to 1); a key left out has weight 0.
    ``language_mix`` weighs ``en``, ``fr``, ``de`` and ``es`` (about 5% non-English by default).
    Email ``i`` arrives at ``start + i * SECONDS_PER_EMAIL`` seconds plus a jitter below one gap;
    ``start`` defaults to the time of construction, so pass it for reproducible timestamps.
    """

    def __init__(
        self,
        mailbox: str = "support@mailroom.example",
        seed: int = 7,
        category_mix: Mapping[str, float] | None = None,
        priority_mix: Mapping[str, float] | None = None,
        sentiment_mix: Mapping[str, float] | None = None,
        follow_up_rate: float = 0.15,
        start: datetime | None = None,
        *,
        language_mix: Mapping[str, float] | None = None,
    ) -> None:
        if not isinstance(mailbox, str) or "@" not in mailbox:
            raise ProviderConfigError(f"mailbox: must be an email address, got {mailbox!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ProviderConfigError(f"seed: must be an integer, got {seed!r}")
        self.mailbox = mailbox
        self.seed = seed
        self._categories = _validated_mix(
            "category_mix", category_mix, SUPPORT_CATEGORIES, corpus.DEFAULT_CATEGORY_MIX
        )
        self._priorities = _validated_mix(
            "priority_mix", priority_mix, corpus.PRIORITIES, corpus.DEFAULT_PRIORITY_MIX
        )
        self._sentiments = _validated_mix(
            "sentiment_mix", sentiment_mix, corpus.SENTIMENTS, corpus.DEFAULT_SENTIMENT_MIX
        )
        self._languages = _validated_mix(
            "language_mix", language_mix, corpus.LANGUAGES, corpus.DEFAULT_LANGUAGE_MIX
        )
        self._follow_up_rate = _validated_rate("follow_up_rate", follow_up_rate)
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        elif start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.start = start
        self._year_now = str(start.year)

    # --- public API ---------------------------------------------------------------------------

    def message_id(self, index: int) -> str:
        """The Message-ID of email ``index``."""
        return f"<demo-{self.seed}-{index}@{_MESSAGE_ID_DOMAIN}>"

    def generate(self, index: int) -> InboundEmail:
        """Email number ``index`` (the same every time for the same settings)."""
        return self.generate_labelled(index)[0]

    def generate_batch(self, start_index: int, count: int) -> list[InboundEmail]:
        """Emails ``start_index`` to ``start_index + count - 1``, in order."""
        return [self.generate_labelled(i)[0] for i in range(start_index, start_index + count)]

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        """Emails ``[n, n + limit)`` where ``n`` is the cursor (the next index, ``"0"`` first).

        The demo mailbox never runs dry, so ``next_cursor`` is always ``str(n + limit)``.
        """
        if cursor is None:
            cursor = "0"
        if not (cursor.isascii() and cursor.isdecimal()):
            raise PermanentProviderError(
                f"demo mailbox cursor must be a non-negative integer, got {cursor!r}"
            )
        if limit < 0:
            raise PermanentProviderError(f"fetch limit must be >= 0, got {limit}")
        first = int(cursor)
        return FetchResult(emails=self.generate_batch(first, limit), next_cursor=str(first + limit))

    def generate_labelled(self, index: int) -> tuple[InboundEmail, DemoLabels]:
        """Email number ``index`` with the ground truth it was generated from."""
        if index < 0:
            raise ValueError(f"demo email index must be >= 0, got {index}")
        chain = self._thread(index)
        own = chain[0]
        root = self._root(chain[-1])
        random = own.random
        references: list[str] = []
        in_reply_to: str | None = None
        if len(chain) == 1:
            priority, sentiment, details = root.priority, root.sentiment, root.details
            subject = root.subject
            paragraphs, closing = self._root_body(root, random)
        else:
            priority = cast(Priority, self._priorities.pick(random()))
            sentiment = cast(Sentiment, self._sentiments.pick(random()))
            details = _Details(random, root.language, root.facts)
            details.update(root.details)  # what the quoted subject already shows
            parent = chain[1]
            details["when"] = self._when(root.language, parent.received_at, own.received_at)
            subject = reply_subject(root.subject)
            paragraphs, closing = self._follow_up_body(root, priority, sentiment, details)
            in_reply_to = self.message_id(parent.index)
            references = [self.message_id(link.index) for link in reversed(chain[1:])]

        body_text = "\n\n".join((*paragraphs, *closing)) + "\n"
        body_html = None
        if random() < 0.15:
            body_html = (
                '<div dir="ltr">'
                + "".join(
                    f"<p>{escape(part).replace(chr(10), '<br>')}</p>"
                    for part in (*paragraphs, *closing)
                )
                + "</div>"
            )
        email = InboundEmail(
            message_id=self.message_id(index),
            mailbox=self.mailbox,
            from_address=root.address,
            from_name=root.from_name,
            to_address=self.mailbox,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            in_reply_to=in_reply_to,
            references=references,
            received_at=own.received_at,
            headers={
                "X-Mailer": corpus.MAIL_CLIENTS[int(random() * len(corpus.MAIL_CLIENTS))],
                "X-Demo-Seed": str(self.seed),
                "X-Demo-Index": str(index),
            },
        )
        labels = DemoLabels(
            category=root.category,
            priority=priority,
            sentiment=sentiment,
            language=root.language,
            is_follow_up=len(chain) > 1,
            thread_root=chain[-1].index,
            order_numbers=details.written(_ORDER_KEYS),
            amounts=details.written(_AMOUNT_KEYS),
            products=details.written(_PRODUCT_KEYS),
            emails=details.written(_EMAIL_KEYS),
        )
        return email, labels

    # --- threads ------------------------------------------------------------------------------

    def _thread(self, index: int) -> list[_Link]:
        """Email ``index`` and the emails it replies to, newest first, ending at the root."""
        chain: list[_Link] = []
        seconds = SECONDS_PER_EMAIL
        while True:
            random = Random(f"{self.seed}:{index}").random
            received_at = self.start + timedelta(seconds=index * seconds + int(random() * seconds))
            chain.append(_Link(index, random, received_at))
            # The flag is drawn for every email so that its later draws never shift.
            if not (random() < self._follow_up_rate and index > 0):
                return chain
            # Squaring the draw favours recent emails, as real follow-ups do.
            distance = int(random() * random() * min(index, _MAX_FOLLOW_UP_DISTANCE))
            index = index - 1 - distance

    def _root(self, link: _Link) -> _Root:
        """Who writes the thread starting at ``link``, about what; also draws its subject."""
        random = link.random
        category = self._categories.pick(random())
        language = self._languages.pick(random())
        priority = cast(Priority, self._priorities.pick(random()))
        sentiment = cast(Sentiment, self._sentiments.pick(random()))
        pack = corpus.LANGUAGE_PACKS[language]

        culture = corpus.CULTURES[_CULTURE_PICKERS[language].pick(random())]
        first = culture.first[int(random() * len(culture.first))]
        last = culture.last[int(random() * len(culture.last))]
        local_part = self._local_part(random, _SLUGS[first], _SLUGS[last])
        work_address = random() < (0.4 if category in corpus.PLAN_CATEGORIES else 0.1)
        if work_address:
            domain, company = _pick(random, corpus.WORK_DOMAINS[language])
        else:
            domain = _pick(random, corpus.PERSONAL_DOMAINS[language])
            company = _pick(random, corpus.COMPANIES)
        shape = random()
        from_name = f"{first} {last}" if shape < 0.88 else first if shape < 0.94 else ""

        if category in corpus.PLAN_CATEGORIES:
            products = corpus.PLANS
        elif category in corpus.ITEM_CATEGORIES or random() < 0.5:
            products = corpus.ITEMS
        else:
            products = corpus.PLANS
        product = products[int(random() * len(products))]
        if pack.currency_after:
            currency = "EUR"
        else:
            draw = random()
            currency = "USD" if draw < 0.7 else "GBP" if draw < 0.85 else "EUR"
        price = _price(product, currency)
        facts = {
            "product": product.name,
            "price": repr(price),
            "currency": currency,
            "amount": _money(price, currency, pack.currency_after),
            "order": f"ORD-{100_000 + int(random() * 900_000)}",
            "first_name": first,
            "company": company,
            "first_slug": _SLUGS[first],
            "last_slug": _SLUGS[last],
            "year_now": self._year_now,
        }
        details = _Details(random, language, facts)
        topic = _pick(random, pack.topics[category])
        if random() < 0.2:
            subject = _pick(random, pack.generic_subjects[category])
        else:
            subject = _pick(random, topic.subjects)
        subject = _capitalised(subject.format_map(details))
        prefixes = pack.subject_prefixes.get(priority)
        if prefixes and random() < (0.75 if priority == "urgent" else 0.3):
            subject = _pick(random, prefixes) + subject
        if sentiment == "negative" and random() < 0.3:
            subject += _pick(random, pack.angry_subject_suffixes)
        return _Root(
            category=category,
            language=language,
            priority=priority,
            sentiment=sentiment,
            first=first,
            last=last,
            from_name=from_name,
            address=f"{local_part}@{domain}",
            work_address=work_address,
            facts=facts,
            topic=topic,
            subject=subject,
            details=details,
        )

    @staticmethod
    def _local_part(random: Callable[[], float], first: str, last: str) -> str:
        shape = int(random() * 8)
        if shape == 0:
            return f"{first}.{last}"
        if shape == 1:
            return f"{first}{last}"
        if shape == 2:
            return f"{first[0]}{last}"
        if shape == 3:
            return f"{first}_{last}"
        if shape == 4:
            return f"{first}.{last}{1 + int(random() * 99)}"
        if shape == 5:
            return f"{last}.{first}"
        if shape == 6:
            return f"{first}{70 + int(random() * 30)}"
        return f"{first[0]}.{last}"

    @staticmethod
    def _when(language: str, earlier: datetime, later: datetime) -> str:
        pack = corpus.LANGUAGE_PACKS[language]
        days = (later.date() - earlier.date()).days
        if days <= 0:
            return pack.when_today
        if days == 1:
            return pack.when_yesterday
        return pack.when_days.format(n=days)

    # --- bodies -------------------------------------------------------------------------------

    def _root_body(self, root: _Root, random: Callable[[], float]) -> tuple[list[str], list[str]]:
        """The paragraphs and the closing lines of a thread's first email."""
        pack = corpus.LANGUAGE_PACKS[root.language]
        details = root.details
        category, priority, sentiment = root.category, root.priority, root.sentiment

        greeting = _pick(random, pack.greetings) if random() < 0.88 else None
        opening = _pick(random, pack.openings).format_map(details) if random() < 0.35 else None
        problem = _pick(random, root.topic.problems).format_map(details)
        if sentiment == "negative" and random() < 0.3 and problem.endswith("."):
            problem = problem[:-1] + (" !" if root.language == "fr" else "!")

        contexts: list[str] = []
        draw = random()
        if draw >= 0.25:
            options = pack.contexts[category]
            if random() < 0.15:
                options = (*options, *pack.general_contexts)
            contexts = _sample(random, options, 2 if draw >= 0.8 else 1)
            contexts = [c.format_map(details) for c in contexts]

        tone: list[str] = []
        if sentiment == "negative":
            tone = _sample(random, pack.tone["negative"], 2 if random() < 0.35 else 1)
        elif sentiment == "positive" and random() < 0.9:
            tone = [_pick(random, pack.tone["positive"])]

        urgency = self._urgency(pack, category, priority, details)
        urgency_first = bool(urgency) and priority == "urgent" and random() < 0.4
        ask = _pick(random, pack.asks[category]) if random() < 0.9 else None
        thanks = _pick(random, pack.thanks) if sentiment == "neutral" and random() < 0.3 else None

        story = [s for s in (opening, *(urgency if urgency_first else ()), problem) if s]
        story += contexts
        request = [*tone, *(() if urgency_first else urgency), *(s for s in (ask, thanks) if s)]
        return self._layout(random, root, greeting, story, request)

    def _follow_up_body(
        self, root: _Root, priority: Priority, sentiment: Sentiment, details: _Details
    ) -> tuple[list[str], list[str]]:
        """The paragraphs and closing lines of a reply chasing an earlier email."""
        random = details.random
        pack = corpus.LANGUAGE_PACKS[root.language]
        greeting = _pick(random, pack.greetings) if random() < 0.7 else None
        opener = _pick(random, pack.follow_up_openers).format_map(details)
        status = _pick(random, pack.follow_up_status[root.category]).format_map(details)

        tone: list[str] = []
        if sentiment == "negative":
            tone = [_pick(random, pack.follow_up_tone["negative"])]
            if random() < 0.4:
                tone.append(_pick(random, pack.tone["negative"]))
        elif sentiment == "positive" and random() < 0.8:
            tone = [_pick(random, pack.follow_up_tone["positive"])]

        urgency = self._urgency(pack, root.category, priority, details)
        ask = _pick(random, pack.asks[root.category]) if random() < 0.6 else None
        story = [opener, status]
        request = [*tone, *urgency, *((ask,) if ask else ())]
        return self._layout(random, root, greeting, story, request)

    @staticmethod
    def _urgency(
        pack: corpus.LanguagePack, category: str, priority: Priority, details: _Details
    ) -> list[str]:
        """What tells the reader how soon this is needed (nothing, for a normal priority)."""
        options = pack.urgency.get(priority)
        if not options:
            return []
        random = details.random
        chance = _URGENCY_CHANCE[priority]
        if random() >= chance:
            return []
        sentences = [_pick(random, options)]
        reasons = pack.urgency_reasons.get(category)
        if reasons and priority in ("urgent", "high") and random() < chance * 0.6:
            sentences.append(_pick(random, reasons).format_map(details))
        return sentences

    @staticmethod
    def _layout(
        random: Callable[[], float],
        root: _Root,
        greeting: str | None,
        story: list[str],
        request: list[str],
    ) -> tuple[list[str], list[str]]:
        """Arrange sentences into paragraphs and a sign-off, in one of a few common shapes."""
        pack = corpus.LANGUAGE_PACKS[root.language]
        signoffs = pack.angry_signoffs if root.sentiment == "negative" else pack.signoffs
        shape = random()
        name = (
            f"{root.first} {root.last}"
            if shape < 0.45
            else root.first
            if shape < 0.85
            else f"{root.first[0]}. {root.last}"
        )
        if random() < 0.15:
            # Written on a phone: one block, no sign-off, the client's signature.
            text = " ".join((*((greeting,) if greeting else ()), *story, *request))
            return [text], [f"{name}\n\n{_pick(random, pack.mobile_signatures)}"]
        paragraphs = [greeting] if greeting else []
        if request and random() < 0.5:
            paragraphs += [" ".join(story), " ".join(request)]
        else:
            paragraphs.append(" ".join((*story, *request)))
        closing = f"{_pick(random, signoffs)}\n{name}"
        if root.work_address and random() < 0.6:
            closing += f"\n{root.facts['company']}"
        return paragraphs, [closing]


def _pick(random: Callable[[], float], options: Sequence[_T]) -> _T:
    return options[int(random() * len(options))]


def _sample(random: Callable[[], float], options: Sequence[str], count: int) -> list[str]:
    """Up to ``count`` distinct entries of ``options``."""
    first = int(random() * len(options))
    if count < 2 or len(options) < 2:
        return [options[first]]
    second = (first + 1 + int(random() * (len(options) - 1))) % len(options)
    return [options[first], options[second]]


__all__ = ["SECONDS_PER_EMAIL", "DemoEmailSource", "DemoLabels"]


class LiveDemoSource(EmailSource):
    """The demo mailbox as it feels live: each fetch dates its emails so that the newest one
    arrived just now and the others at the usual gaps before it (same messages, same ids)."""

    def __init__(
        self,
        mailbox: str = "support@mailroom.example",
        seed: int = 7,
        category_mix: Mapping[str, float] | None = None,
        priority_mix: Mapping[str, float] | None = None,
        sentiment_mix: Mapping[str, float] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.mailbox = mailbox
        self.seed = seed
        self._clock = clock
        self._mixes = (category_mix, priority_mix, sentiment_mix)
        self._source_at(self._clock())  # refuse bad settings now, not at the first poll

    def _source_at(self, start: datetime) -> DemoEmailSource:
        category_mix, priority_mix, sentiment_mix = self._mixes
        return DemoEmailSource(
            self.mailbox,
            self.seed,
            category_mix=category_mix,
            priority_mix=priority_mix,
            sentiment_mix=sentiment_mix,
            start=start,
        )

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        first = int(cursor) if cursor and cursor.isdecimal() else 0
        start = self._clock() - timedelta(seconds=(first + limit) * SECONDS_PER_EMAIL)
        return self._source_at(start).fetch(cursor, limit)
