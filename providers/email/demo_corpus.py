"""Text the demo mailbox composes its customer emails from.

Content only: :mod:`providers.email.demo` decides which pieces to combine. Templates name their
variable details in braces (``{order}``, ``{product}``, ...); the generator fills them lazily,
so a detail is drawn only when a chosen template uses it.

Every address and domain is under a reserved name (``*.example``, ``example.com/net/org``)
so demo data can never reach a real person, even if it is wired to a real sender by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")
LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es")

DEFAULT_CATEGORY_MIX: Mapping[str, float] = {
    "technical": 0.20,
    "billing": 0.14,
    "account": 0.12,
    "feature_request": 0.08,
    "shipping": 0.16,
    "refund": 0.10,
    "complaint": 0.08,
    "general_inquiry": 0.12,
}
DEFAULT_PRIORITY_MIX: Mapping[str, float] = {"low": 0.2, "normal": 0.5, "high": 0.2, "urgent": 0.1}
DEFAULT_SENTIMENT_MIX: Mapping[str, float] = {"positive": 0.2, "neutral": 0.5, "negative": 0.3}
DEFAULT_LANGUAGE_MIX: Mapping[str, float] = {"en": 0.95, "fr": 0.02, "de": 0.015, "es": 0.015}

# Categories whose customers talk about a subscription plan rather than a shipped item.
PLAN_CATEGORIES = frozenset({"technical", "billing", "account", "feature_request"})
ITEM_CATEGORIES = frozenset({"shipping", "refund"})


@dataclass(frozen=True, slots=True)
class Product:
    """Something the demo shop sells, with its price in each currency it quotes."""

    name: str
    usd: float
    eur: float
    gbp: float


PLANS: tuple[Product, ...] = (
    Product("Starter plan", 9.00, 9.00, 8.00),
    Product("Mailroom Pro plan", 49.99, 45.00, 39.00),
    Product("Business plan", 199.00, 185.00, 159.00),
    Product("Team add-on", 15.00, 14.00, 12.00),
    Product("Annual Pro subscription", 499.00, 459.00, 399.00),
    Product("Analytics add-on", 29.00, 27.00, 24.00),
)
ITEMS: tuple[Product, ...] = (
    Product("Wireless Keyboard K3", 79.99, 74.99, 64.99),
    Product("Ergonomic Mouse M5", 49.99, 46.99, 39.99),
    Product("USB-C Dock D2", 129.00, 119.00, 109.00),
    Product("Noise-cancelling Headset H7", 199.99, 189.00, 169.00),
    Product("Monitor Arm A1", 89.00, 84.00, 72.00),
    Product("Laptop Stand S2", 59.00, 55.00, 49.00),
    Product("Desk Mat XL", 24.99, 22.99, 19.99),
    Product("HD Webcam W4", 69.00, 64.00, 55.00),
    Product("Standing Desk Frame F1", 349.00, 329.00, 289.00),
)

# --- People -----------------------------------------------------------------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True, slots=True)
class Culture:
    """First and last names that plausibly go together."""

    first: tuple[str, ...]
    last: tuple[str, ...]


CULTURES: Mapping[str, Culture] = {
    "anglo": Culture(
        _names(
            "James Olivia Michael Emma David Sarah Daniel Jessica Ryan Megan Chris Laura Tom "
            "Hannah Kevin Rachel Brian Emily Jake Natalie Ben Amy Sam Katie Liam Chloe Noah "
            "Grace Ethan Zoe Patrick Fiona Marcus Heather Owen Beth"
        ),
        _names(
            "Smith Johnson Williams Brown Taylor Miller Wilson Moore Anderson Thomas Jackson "
            "White Harris Martin Thompson Clarke Walker Wright Robinson Hughes Evans Murphy "
            "O'Brien Kelly Campbell Stewart Bennett Cooper Reed Hayes Fletcher Doyle"
        ),
    ),
    "french": Culture(
        _names(
            "Camille Julien Léa Mathieu Chloé Antoine Manon Nicolas Élodie Guillaume Inès "
            "Théo Margaux François Céline Baptiste Amélie Hugo Anaïs Rémi"
        ),
        _names(
            "Dubois Lefèvre Moreau Laurent Girard Fournier Bonnet Mercier Rousseau Faure "
            "Chevalier Lambert Gauthier Perrin Roussel Durand Lemaire Benoît"
        ),
    ),
    "german": Culture(
        _names(
            "Lukas Anna Jonas Lena Felix Sophie Maximilian Julia Jürgen Katrin Tobias Sabine "
            "Florian Miriam Stefan Jana Matthias Björn Annika Uwe"
        ),
        _names(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schäfer Koch "
            "Richter Klein Wolf Schröder Neumann Zimmermann Krüger Weiß Vogel"
        ),
    ),
    "spanish": Culture(
        _names(
            "Alejandro Lucía Javier María Carlos Sofía Mateo Valentina Diego Carmen Pablo "
            "Elena Andrés Isabel Sergio Paula Íñigo Ainhoa Marta Raúl"
        ),
        _names(
            "García Martínez López Sánchez Pérez Gómez Fernández Ruiz Díaz Moreno Álvarez "
            "Romero Navarro Torres Domínguez Jiménez Castillo Ortega Núñez Vidal"
        ),
    ),
    "indian": Culture(
        _names("Priya Arjun Ananya Rahul Deepika Vikram Sneha Rohan Kavya Aditya Meera Siddharth"),
        _names("Sharma Patel Iyer Reddy Gupta Nair Menon Chatterjee Rao Kapoor Bose Desai"),
    ),
    "east_asian": Culture(
        _names("Wei Mei Hiroshi Yuki Ji-woo Min-jun Aiko Haruto Xin Jun Seo-yeon Linh Minh Sakura"),
        _names("Chen Wang Li Tanaka Sato Kim Park Nguyen Lee Zhang Yamamoto Tran Choi Liu"),
    ),
    "nordic_slavic": Culture(
        _names(
            "Søren Ingrid Lars Astrid Mikael Freya Piotr Agnieszka Tomasz Katarzyna Ivan Olga "
            "Jakub Zuzana Sigrid Bartosz"
        ),
        _names(
            "Nielsen Johansson Lindqvist Andersen Kowalski Nowak Novák Petrov Dvořák "
            "Halvorsen Łukasik Berg Eriksson Horvat"
        ),
    ),
    "african": Culture(
        _names("Oluwaseun Chiamaka Kwame Amara Thabo Zanele Kofi Ngozi Tendai Abena Sipho Adaeze"),
        _names("Okafor Adeyemi Mensah Nkosi Diallo Ndlovu Owusu Eze Mbeki Boateng Osei Achebe"),
    ),
    "arabic": Culture(
        _names("Youssef Fatima Omar Layla Karim Nour Hassan Amira Tariq Salma Rami Yasmin"),
        _names(
            "Haddad Mansour El-Amin Abdullah Khalil Saleh Nasser Farah Aziz Hamdan Qureshi Karam"
        ),
    ),
}

# Which name pools a customer writing in each language is drawn from, with weights.
CULTURE_MIX: Mapping[str, Mapping[str, float]] = {
    "en": {
        "anglo": 0.50,
        "indian": 0.10,
        "east_asian": 0.10,
        "nordic_slavic": 0.08,
        "african": 0.06,
        "arabic": 0.06,
        "german": 0.04,
        "french": 0.03,
        "spanish": 0.03,
    },
    "fr": {"french": 0.85, "arabic": 0.08, "african": 0.07},
    "de": {"german": 0.85, "nordic_slavic": 0.10, "arabic": 0.05},
    "es": {"spanish": 0.90, "anglo": 0.05, "arabic": 0.05},
}

PERSONAL_DOMAINS: Mapping[str, tuple[str, ...]] = {
    "en": (
        "example.com",
        "example.net",
        "example.org",
        "mail.example",
        "inbox.example",
        "postbox.example",
        "webmail.example",
        "quickmail.example",
        "hey.example",
    ),
    "fr": ("courriel.example", "messagerie.example", "example.com", "boitemail.example"),
    "de": ("kundenpost.example", "postfach.example", "web-post.example", "example.net"),
    "es": ("correo.example", "buzon.example", "example.com", "mensajes.example"),
}
# Customers writing from work: the company's domain and the name they sign with.
WORK_DOMAINS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("northwind.example", "Northwind Traders Ltd"),
        ("acme-logistics.example", "Acme Logistics Inc."),
        ("brightpath.example", "Brightpath Consulting"),
        ("bluefin-labs.example", "Bluefin Labs"),
        ("greenleaf-studio.example", "Greenleaf Studio"),
        ("harbor-dental.example", "Harbor Dental Group"),
        ("pixelforge.example", "Pixelforge Games"),
        ("summit-legal.example", "Summit Legal LLP"),
        ("oakridge-schools.example", "Oakridge School District"),
        ("copperkettle-cafe.example", "Copper Kettle Café"),
        ("tidewater-realty.example", "Tidewater Realty"),
        ("lumen-analytics.example", "Lumen Analytics BV"),
    ),
    "fr": (
        ("atelier-dupont.example", "Atelier Dupont"),
        ("cabinet-moreau.example", "Cabinet Moreau & Associés"),
        ("boulangerie-lyon.example", "Boulangerie des Terreaux"),
    ),
    "de": (
        ("schreinerei-weber.example", "Schreinerei Weber GmbH"),
        ("praxis-klein.example", "Praxis Dr. Klein"),
        ("hansa-logistik.example", "Hansa Logistik KG"),
    ),
    "es": (
        ("taller-garcia.example", "Taller García S.L."),
        ("clinica-sol.example", "Clínica Sol"),
        ("estudio-norte.example", "Estudio Norte Arquitectura"),
    ),
}
# Companies mentioned by customers writing from a personal address.
COMPANIES: tuple[str, ...] = tuple(
    company for pairs in WORK_DOMAINS.values() for _, company in pairs
)
SUPPORT_AGENTS: tuple[str, ...] = ("Tom", "Sarah", "Alex", "Priya", "Marco", "Jenny", "Kenji")
MAIL_CLIENTS: tuple[str, ...] = (
    "Apple Mail (2.3774.400.31)",
    "Microsoft Outlook 16.0",
    "Mozilla Thunderbird 115.6.0",
    "Gmail",
    "Spark 3.12",
    "K-9 Mail for Android",
)

# --- Variable details ---------------------------------------------------------------------------
# Details whose value is one pick from a list. Language-neutral ones only have "en".

DETAIL_CHOICES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "feature": {
        "en": (
            "inbox view",
            "reports dashboard",
            "CSV export",
            "mobile app",
            "ticket search",
            "automation rules",
            "contact list",
            "shared inbox",
            "canned responses",
            "analytics page",
            "settings page",
            "email composer",
        ),
        "fr": (
            "Boîte de réception",
            "Tableau de bord",
            "Export CSV",
            "Rapports",
            "Application mobile",
            "Réponses types",
        ),
        "de": ("Posteingang", "Dashboard", "CSV-Export", "Berichte", "Mobile App", "Textbausteine"),
        "es": (
            "Bandeja de entrada",
            "Panel",
            "Exportación CSV",
            "Informes",
            "App móvil",
            "Respuestas rápidas",
        ),
    },
    "error": {
        "en": (
            "ERR_SYNC_TIMEOUT",
            "Something went wrong (code 5012)",
            "Unexpected token < in JSON",
            "Request failed with status code 500",
            "Session expired",
            "Failed to fetch",
            "Attachment too large",
            "E_QUOTA_EXCEEDED",
            "Internal Server Error",
            "Network Error",
            "403 Forbidden",
            "Invalid CSRF token",
        )
    },
    "http_error": {
        "en": (
            "500 errors",
            "502 Bad Gateway",
            "429 Too Many Requests",
            "503 Service Unavailable",
            "401 Unauthorized",
            "504 Gateway Timeout",
        )
    },
    "browser": {
        "en": (
            "Chrome",
            "Firefox",
            "Safari",
            "Edge",
            "Chrome on Windows 11",
            "Safari on macOS",
            "Brave",
            "Firefox on Ubuntu",
        )
    },
    "device": {
        "en": (
            "iPhone 13",
            "iPhone 15",
            "Pixel 8",
            "Samsung Galaxy S23",
            "iPad",
            "OnePlus 11",
            "Android tablet",
            "iPhone SE",
        )
    },
    "integration": {
        "en": (
            "Shopify",
            "Slack",
            "HubSpot",
            "Salesforce",
            "Zendesk",
            "Google Calendar",
            "Microsoft Teams",
            "Zapier",
            "WooCommerce",
            "Gmail",
            "Outlook",
            "Notion",
        )
    },
    "export_format": {"en": ("CSV", "Excel", "PDF", "JSON", "Google Sheets")},
    "carrier": {
        "en": ("UPS", "FedEx", "DHL", "USPS", "Royal Mail", "Canada Post"),
        "fr": ("Colissimo", "Chronopost", "DHL", "UPS"),
        "de": ("DHL", "Hermes", "DPD", "GLS"),
        "es": ("Correos", "SEUR", "MRW", "DHL"),
    },
    "city": {
        "en": (
            "Manchester",
            "Toronto",
            "Austin",
            "Dublin",
            "Melbourne",
            "Cape Town",
            "Singapore",
            "Denver",
            "Leeds",
            "Auckland",
        ),
        "fr": ("Lyon", "Bordeaux", "Lille", "Nantes", "Genève", "Montréal"),
        "de": ("Köln", "Hamburg", "Leipzig", "Wien", "Zürich", "Freiburg"),
        "es": ("Sevilla", "Valencia", "Bilbao", "Madrid", "Zaragoza", "Málaga"),
    },
    "country": {
        "en": (
            "Canada",
            "Australia",
            "Norway",
            "Japan",
            "New Zealand",
            "Ireland",
            "South Africa",
            "Iceland",
            "Brazil",
        ),
        "fr": ("la Suisse", "le Canada", "la Belgique", "le Maroc", "le Luxembourg"),
        "de": ("Österreich", "Italien", "Polen", "Dänemark", "Liechtenstein"),
        "es": ("México", "Argentina", "Portugal", "Chile", "Colombia"),
    },
    "weekday": {
        "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
        "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"),
        "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"),
        "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado"),
    },
    "since": {
        "en": (
            "since this morning",
            "since yesterday",
            "since Monday",
            "for the past two days",
            "since your update last night",
            "since last week",
            "for about an hour",
            "since the weekend",
        ),
        "fr": (
            "depuis ce matin",
            "depuis hier",
            "depuis lundi",
            "depuis deux jours",
            "depuis la dernière mise à jour",
        ),
        "de": (
            "seit heute Morgen",
            "seit gestern",
            "seit Montag",
            "seit zwei Tagen",
            "seit dem letzten Update",
        ),
        "es": (
            "desde esta mañana",
            "desde ayer",
            "desde el lunes",
            "desde hace dos días",
            "desde la última actualización",
        ),
    },
    "ago": {
        "en": (
            "last week",
            "three days ago",
            "on Monday",
            "two weeks ago",
            "ten days ago",
            "at the start of the month",
            "yesterday",
        ),
        "fr": (
            "la semaine dernière",
            "il y a trois jours",
            "lundi dernier",
            "il y a deux semaines",
        ),
        "de": ("letzte Woche", "vor drei Tagen", "am Montag", "vor zwei Wochen"),
        "es": ("la semana pasada", "hace tres días", "el lunes", "hace dos semanas"),
    },
    "street": {
        "en": (
            "Elm Street",
            "Baker Road",
            "Maple Avenue",
            "High Street",
            "Harbour View",
            "Oak Lane",
            "Station Road",
            "Pine Crescent",
        )
    },
    "agent": {"en": SUPPORT_AGENTS},
}

# --- Language packs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """One thing a customer writes about: ways to title it and ways to say it."""

    subjects: tuple[str, ...]
    problems: tuple[str, ...]


def _t(subjects: str, *problems: str) -> Topic:
    """A topic; ``subjects`` lists the subject lines separated by ``|``."""
    return Topic(tuple(part.strip() for part in subjects.split("|")), problems)


@dataclass(frozen=True, slots=True)
class LanguagePack:
    """Everything needed to write one customer email in one language.

    Per-category tables are keyed by category name (a subject is usually one of the chosen
    topic's, sometimes a generic one for the category); ``urgency`` and ``subject_prefixes`` by
    priority (``normal`` has no entry: nothing in the text marks a normal priority); ``tone`` by
    sentiment (``neutral`` likewise absent).
    """

    greetings: tuple[str, ...]
    openings: tuple[str, ...]
    topics: Mapping[str, tuple[Topic, ...]]
    generic_subjects: Mapping[str, tuple[str, ...]]
    contexts: Mapping[str, tuple[str, ...]]
    general_contexts: tuple[str, ...]
    asks: Mapping[str, tuple[str, ...]]
    urgency: Mapping[str, tuple[str, ...]]
    subject_prefixes: Mapping[str, tuple[str, ...]]
    angry_subject_suffixes: tuple[str, ...]
    tone: Mapping[str, tuple[str, ...]]
    thanks: tuple[str, ...]
    signoffs: tuple[str, ...]
    angry_signoffs: tuple[str, ...]
    mobile_signatures: tuple[str, ...]
    follow_up_openers: tuple[str, ...]
    follow_up_status: Mapping[str, tuple[str, ...]]
    follow_up_tone: Mapping[str, tuple[str, ...]]
    when_today: str
    when_yesterday: str
    when_days: str
    currency_after: bool
    urgency_reasons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


ENGLISH = LanguagePack(
    greetings=(
        "Hi,",
        "Hello,",
        "Hi there,",
        "Hello support team,",
        "Dear Mailroom Demo Shop team,",
        "Hey folks,",
        "Good morning,",
        "Good afternoon,",
        "To whom it may concern,",
        "Hi support,",
        "Dear Sir or Madam,",
        "Hey,",
    ),
    openings=(
        "I hope you're well.",
        "I've been a customer for a while now.",
        "Reaching out because I need some help.",
        "Sorry to bother you.",
        "Hope this is the right address for this.",
        "First time writing to you.",
        "My name is {first_name} and I'm writing on behalf of {company}.",
        "Hope you're having a good week.",
        "I'll keep this short.",
        "I couldn't find an answer in the help centre, so I'm emailing.",
    ),
    topics={
        "technical": (
            _t(
                "Webhooks not firing | Webhooks stopped working",
                "Webhooks to our endpoint stopped firing {since}; the delivery log just says "
                '"{error}".',
                'None of our webhooks have fired {since} - the log only shows "{error}".',
            ),
            _t(
                "API returning {http_error} | API errors",
                "Our API calls to /v2/messages have been returning {http_error} {since}.",
                "Every request to your API has come back with {http_error} {since}.",
            ),
            _t(
                'Error in the {feature} | Getting "{error}" in the {feature}',
                'Every time I open the {feature} I get the error "{error}" and nothing loads.',
                'The {feature} just shows "{error}" whenever I try to open it.',
            ),
            _t(
                "{integration} integration broken | {integration} sync stopped working "
                "| Sync problem with {integration}",
                "The {integration} integration has not been syncing {since}.",
                "Nothing from {integration} has come through {since}, although the integration "
                'still says "connected".',
            ),
            _t(
                "App keeps crashing on {device} | Mobile app crash",
                "The mobile app crashes on my {device} as soon as I tap on the {feature}.",
                "Since the last update the app closes itself on my {device} whenever I open the "
                "{feature}.",
            ),
            _t(
                "Dashboard extremely slow | The {feature} is really slow",
                "The {feature} has been extremely slow {since} - pages take more than {seconds} "
                "seconds to load.",
                "Loading the {feature} takes forever {since}, sometimes over {seconds} seconds.",
            ),
            _t(
                "Can't upload attachments | Upload fails",
                'When I try to upload a file bigger than {size} MB I get "{error}".',
                'Uploading attachments fails every time with "{error}", even for small files.',
            ),
            _t(
                "Blank page in the {feature} | Bug: the {feature} shows a white screen",
                "I'm on the {product} and the {feature} shows a blank white page in {browser}.",
            ),
            _t(
                "Changes not saving | Save button doesn't work",
                "After the latest update the {feature} no longer saves my changes - I click Save "
                "and it just spins.",
            ),
            _t(
                "{export_format} export fails | Export error",
                'Exporting to {export_format} fails halfway through with "{error}".',
            ),
            _t(
                "Notifications not working on {device} | No push notifications",
                "Notifications aren't coming through on my {device}, even though they're "
                "switched on in settings.",
            ),
            _t(
                "Search returns nothing | Search is broken",
                "Search in the {feature} returns nothing, even for messages I can see in the list.",
            ),
            _t(
                "Keep getting logged out | Session keeps expiring",
                "The app keeps logging me out every few minutes in {browser}, which makes the "
                "{feature} unusable.",
            ),
            _t(
                "Corrupted attachments | PDFs won't open",
                "Some attachments come through corrupted - the PDFs won't open after downloading.",
            ),
            _t(
                "Duplicate messages from {integration} | Everything shows up twice",
                "Half of our messages from {integration} show up twice in the {feature}.",
            ),
        ),
        "billing": (
            _t(
                "Charged twice this month | Double charge | Duplicate payment",
                "I was charged {amount} twice for the {product} this month - both charges are on "
                "my card ending in {last4}.",
                "Your system took {amount} from my card twice for the {product}.",
            ),
            _t(
                "Question about invoice {invoice} | Wrong amount on invoice {invoice}",
                "My invoice {invoice} shows {amount_alt}, but the {product} is supposed to be "
                "{amount}.",
            ),
            _t(
                "Charged after cancelling | Unexpected charge of {amount}",
                "There's a charge of {amount} on my statement, but I cancelled my subscription "
                "{ago}.",
            ),
            _t(
                "Invoice with our VAT number | Invoice request for order {order}",
                "I need an invoice for order {order} with our company name and VAT number {vat} "
                "on it.",
            ),
            _t(
                "Card ending {last4} declined | Payment keeps failing",
                "Your payment page keeps declining my card ending in {last4}, although it works "
                "everywhere else.",
            ),
            _t(
                "Upgrade billed incorrectly | Why was I charged {amount_alt}?",
                "I upgraded to the {product} {ago} and was billed {amount_alt} instead of the "
                "prorated amount.",
            ),
            _t(
                "VAT missing from invoice",
                "The invoice for order {order} doesn't show any VAT, so our accountant can't "
                "book it.",
            ),
            _t(
                "Switching to annual billing | Annual billing for the {product}",
                "I'd like to switch the {product} from monthly to annual billing - how much "
                "would that come to?",
            ),
            _t(
                "Billed for too many seats | Seat count on our bill",
                "We were billed for {seats} seats but only have {seats_used} active users.",
            ),
            _t(
                "Charge I don't recognise | What is this charge?",
                'There\'s a charge of {amount} labelled "MAILROOM DEMO*SHOP" on my statement '
                "that I don't recognise.",
            ),
            _t(
                "Wrong company address on invoices | Invoice address",
                "The company address on our invoices is wrong; it should be {company}, {city}.",
            ),
            _t(
                "Payment still pending for {order} | Payment status",
                "I paid {amount} for order {order}, but my account still says the payment is "
                "pending.",
            ),
        ),
        "account": (
            _t(
                "Can't log in | Login not working",
                "I can't log in - it says my password is wrong, but I reset it {ago}.",
            ),
            _t(
                "Password reset email never arrives | No reset email",
                "The password reset email never arrives. I've checked spam and requested it "
                "{count} times.",
            ),
            _t(
                "Locked out of my account | Account locked",
                "My account was locked after too many login attempts and I can't get back in.",
            ),
            _t(
                "Lost my 2FA phone | Two-factor authentication problem",
                "I got a new phone and lost my authenticator app, so I can't get past two-factor "
                "authentication.",
            ),
            _t(
                "Change the email address on my account | New email address",
                "I'd like to change the email address on my account to {new_email}.",
            ),
            _t(
                "Please delete my account | Account deletion request",
                "Please delete my account and all the data associated with it.",
            ),
            _t(
                "Add a new admin | Can't invite {colleague}",
                "I need to add {colleague} as an admin on our team account, but the invite "
                "button is greyed out.",
            ),
            _t(
                "Transfer account ownership | New account owner",
                "Our previous admin left the company and we need the account ownership "
                "transferred to me.",
            ),
            _t(
                "Account suspended? | Why is my account suspended?",
                "My account shows as suspended and I have no idea why.",
            ),
            _t(
                "Can't verify my email | Verification link expired",
                "The verification link in your email says it has expired every time I click it.",
            ),
            _t(
                "Merge two accounts | Duplicate accounts",
                "I accidentally created two accounts with different emails - can you merge them?",
            ),
            _t(
                "Remove a former employee | Remove user {colleague}",
                "I need to remove a former employee, {colleague}, from our workspace.",
            ),
        ),
        "feature_request": (
            _t(
                "Feature request: dark mode | Dark mode?",
                "It would be great if the {feature} had a dark mode - I use it late at night a "
                "lot.",
            ),
            _t(
                "Any plans for a {integration} integration? | {integration} integration request",
                "Are there any plans to add a {integration} integration? We'd use it every day.",
            ),
            _t(
                "Request: {export_format} export | Export to {export_format}",
                "Could you add an option to export the {feature} to {export_format}?",
            ),
            _t(
                "Idea: scheduled reports | Scheduled reports",
                "We'd love to be able to schedule reports to go out automatically every {weekday}.",
            ),
            _t(
                "Would love bulk actions | Bulk actions",
                "It would save us a lot of time if we could select several messages in the "
                "{feature} and apply bulk actions.",
            ),
            _t(
                "Please add SSO | SAML single sign-on",
                "Please consider adding single sign-on (SAML) - our IT team requires it for the "
                "{product}.",
            ),
            _t(
                "Keyboard shortcuts? | Suggestion: keyboard shortcuts",
                "I'd like to suggest keyboard shortcuts for the most common actions in the "
                "{feature}.",
            ),
            _t(
                "Custom fields request | Custom fields on contacts",
                "Custom fields on contacts would make the {feature} much more useful for us.",
            ),
            _t(
                "API access to the {feature} | API endpoint request",
                "An API endpoint for the {feature} would let us automate a lot of our workflow.",
            ),
            _t(
                "Home-screen widget idea | Widget for {device}",
                "It would be nice to have a home-screen widget on {device} showing today's open "
                "tickets.",
            ),
            _t(
                "More users on the {product}? | User limit",
                "Could the {product} allow more than {seats} users?",
            ),
            _t(
                "Role permissions | Suggestion: custom roles",
                "Being able to set separate permissions for {count} different roles would really "
                "help.",
            ),
        ),
        "shipping": (
            _t(
                "Where is my order {order}? | Order {order} hasn't arrived",
                "I ordered the {product} {ago} (order {order}) and it still hasn't arrived.",
                "Order {order} - the {product} I ordered {ago} - is still nowhere to be seen.",
            ),
            _t(
                "Tracking not updating | No tracking update for {order}",
                "The tracking for order {order} hasn't updated {since}; it still says \"label "
                'created".',
            ),
            _t(
                "Package marked as delivered but not received | {order} says delivered",
                "Order {order} shows as delivered, but there was no package at my door.",
            ),
            _t(
                "Wrong delivery address on {order} | Change shipping address",
                "I entered the wrong delivery address for order {order} - can it still be "
                "changed to {house_number} {street}?",
            ),
            _t(
                "Delivery delay | Order {order} stuck in transit",
                "Your site said delivery in {days} business days, but order {order} has been in "
                "transit for over two weeks.",
            ),
            _t(
                "Order stuck at the {carrier} depot | {order} stuck in transit",
                "My order {order} is stuck at the {carrier} depot and nobody can tell me why.",
            ),
            _t(
                "Missing item in order {order} | Incomplete delivery",
                "Order {order} arrived without the {product}, even though it's on the packing "
                "slip.",
            ),
            _t(
                "{carrier} says my parcel doesn't exist | Tracking number not found",
                'The {carrier} tracking number {tracking} for order {order} says "not found".',
            ),
            _t(
                "When will my {product} ship? | Order {order} still processing",
                "Can you tell me when order {order} will ship? It's still showing as processing.",
            ),
            _t(
                "Missed delivery for {order} | Rearrange delivery",
                "The courier tried to deliver order {order} while I was out and now I can't "
                "rearrange delivery.",
            ),
            _t(
                "Sent to my old address | Wrong address used for {order}",
                "Order {order} was sent to my old address even though I updated it before paying.",
            ),
        ),
        "refund": (
            _t(
                "Refund request for order {order} | Return and refund",
                "I'd like to return the {product} from order {order} and get a refund of {amount}.",
            ),
            _t(
                "Still waiting for my refund | Refund not received",
                "I sent back order {order} {ago} and still haven't received my refund of {amount}.",
            ),
            _t(
                "Refund - faulty {product} | Faulty item, want my money back",
                "The {product} I received (order {order}) doesn't work, so I want my money back.",
            ),
            _t(
                "Refund missing for {order} | Where is my refund?",
                "You confirmed the return for order {order}, but the refund of {amount} hasn't "
                "shown up on my card ending in {last4}.",
            ),
            _t(
                "Damaged delivery - refund please | Order {order} arrived damaged",
                "Order {order} arrived damaged and I'd like a full refund rather than a "
                "replacement.",
            ),
            _t(
                "Return label for {order} | Wrong model ordered",
                "I ordered the wrong model of the {product} (order {order}) - can I return it "
                "for a refund?",
            ),
            _t(
                "Partial refund on {order}? | Refund amount wrong",
                "I was refunded only {amount_alt} for order {order} instead of the full {amount}.",
            ),
            _t(
                "{product} stopped working - refund | Refund for the {product}",
                "The {product} from order {order} stopped working after {count} days and I'd "
                "like a refund of {amount}.",
            ),
            _t(
                "Charged for two items on {order} | Duplicate item, refund please",
                "I was sent two of the {product} on order {order} and charged for both - please "
                "refund the extra {amount}.",
            ),
        ),
        "complaint": (
            _t(
                "Poor support | Nobody solves my problem",
                "I've contacted support {count} times about the same issue and nobody has "
                "actually solved it.",
            ),
            _t(
                "Your support agent | Complaint about {agent}",
                "The agent I spoke to, {agent}, was dismissive and closed my ticket without "
                "fixing anything.",
            ),
            _t(
                "Quality has gone downhill | Disappointed with the {item}",
                "The quality of the {item} is nowhere near what your website promises.",
            ),
            _t(
                "Still no reply | Slow support",
                "I've been waiting {days} days for a reply to my last message, which is not the "
                "service I pay for.",
            ),
            _t(
                "Price increase without notice | Unhappy about the new price",
                "Your latest price increase for the {plan} came without any warning at all.",
            ),
            _t(
                "Every order goes wrong | Fed up with your service",
                "Every order I've placed this year has had some kind of problem, most recently "
                "order {order}.",
            ),
            _t(
                "Your chatbot is useless | Can't reach a human",
                "The chatbot on your site sent me in circles and I never reached a human.",
            ),
            _t(
                "Promised call back never came | No call back",
                "I was promised a call back {ago} and it never happened.",
            ),
            _t(
                "New interface is a step backwards | Features removed",
                "Your new interface removed features we relied on, without asking any of your "
                "customers.",
            ),
            _t(
                "The {item} broke already | Poor quality",
                "The {item} broke after {count} weeks of completely normal use.",
            ),
            _t(
                "Parcel left in the rain | Careless delivery",
                "The courier you use left my parcel in the rain and nobody at your end seems to "
                "care.",
            ),
        ),
        "general_inquiry": (
            _t(
                "Do you ship to {country}? | Shipping to {country}",
                "Do you ship to {country}, and if so, how long does delivery usually take?",
            ),
            _t(
                "Difference between plans | Starter vs Business",
                "What's the difference between the Starter plan and the Business plan?",
            ),
            _t(
                "Discount for nonprofits? | Nonprofit pricing",
                "Do you offer discounts for nonprofits or schools?",
            ),
            _t(
                "Is there a phone number? | Phone support",
                "Is there a phone number I can call to speak to someone?",
            ),
            _t(
                "Data storage location | Where is our data stored?",
                "Where is our data stored? We need to know for GDPR reasons.",
            ),
            _t(
                "Gift cards | Gift card question",
                "Can I buy a gift card for a friend, and does it expire?",
            ),
            _t(
                "Bulk order pricing | Volume discount for the {item}",
                "We're interested in ordering {seats} units of the {item} for our office - do "
                "you offer volume pricing?",
            ),
            _t(
                "Opening hours | Support hours",
                "What are your support hours, and are you open at weekends?",
            ),
            _t(
                "Partnership inquiry | Reseller programme",
                "Do you have a partner or reseller programme?",
            ),
            _t(
                "Does the {item} work with my {device}? | Compatibility question",
                "Does the {item} work with my {device}?",
            ),
            _t("Student discount | Discount for students?", "Do you have a student discount?"),
            _t("Free trial? | Trial of the {plan}", "Is there a free trial of the {plan}?"),
            _t(
                "Paying by bank transfer | Payment options",
                "Can I pay by bank transfer instead of card?",
            ),
        ),
    },
    generic_subjects={
        "technical": (
            "Technical issue",
            "Something is broken",
            "Bug report",
            "Help needed",
            "Problem with the {product}",
            "It's not working",
        ),
        "billing": ("Billing question", "Question about my bill", "Invoice", "Payment issue"),
        "account": ("Account help", "Problem with my account", "Access issue"),
        "feature_request": (
            "Feature idea",
            "Small suggestion",
            "Wishlist item",
            "Product feedback",
        ),
        "shipping": ("Delivery question", "My order", "Shipping problem", "Order {order}"),
        "refund": ("Refund", "Requesting a refund", "Money back for order {order}"),
        "complaint": (
            "Very disappointed",
            "Complaint",
            "Formal complaint",
            "Terrible experience",
            "Unhappy customer",
            "This is not OK",
        ),
        "general_inquiry": (
            "Quick question",
            "Question",
            "Question before buying",
            "Hello",
            "Information request",
        ),
    },
    contexts={
        "technical": (
            "I've already cleared my cache and tried a private window.",
            "I tried a second browser as well, same result.",
            "Restarting the app and reinstalling it didn't help.",
            "It happens for {count} of my colleagues too, so it's not just my machine.",
            "It was working fine until {weekday}.",
            "Your status page says everything is operational, though.",
            "I've attached a screenshot of the error.",
            "We haven't changed anything on our side.",
            "The request ID shown with the error is {request_id}.",
        ),
        "billing": (
            "I've attached a screenshot of my bank statement.",
            "Our finance team needs this sorted before month end.",
            "I've been a customer since {year} and never had this problem before.",
            "The payment went through on {weekday}.",
            "I checked the billing page in my account, but it doesn't explain the difference.",
        ),
        "account": (
            "I'm the account owner, so I should have full access.",
            "I've tried on my {device} and on my laptop.",
            "I'm on the {product}, in case that matters.",
            "I can confirm my identity however you need.",
        ),
        "feature_request": (
            "We're a team of {seats} and this comes up constantly.",
            "A competitor we looked at has this, for what it's worth.",
            "Right now we work around it with a spreadsheet, which is painful.",
            "I know you have a roadmap, so maybe this is already planned.",
        ),
        "shipping": (
            "I paid for express shipping, so it should have been here by now.",
            "I need it for a trip on {weekday}.",
            "My neighbours haven't seen the package either.",
            "The {carrier} hotline sent me back to you.",
            "It's a gift, so the timing matters.",
        ),
        "refund": (
            "The item is unused and still in its original packaging.",
            "I have the return receipt from {carrier}.",
            "Your returns page says refunds take 5-7 days, and it's been longer than that.",
            "I paid with my card ending in {last4}.",
        ),
        "complaint": (
            "I've been a loyal customer since {year}.",
            "I've recommended you to friends, which makes this more embarrassing.",
            "I expected much better from a company like yours.",
            "This isn't the first time, either.",
        ),
        "general_inquiry": (
            "I couldn't find this in your FAQ.",
            "A friend recommended your shop.",
            "We're comparing a few options at the moment.",
            "I'm based in {city}.",
        ),
    },
    general_contexts=(
        "My account email is the one I'm writing from.",
        "Let me know if you need any more details.",
        "I'm usually reachable in the afternoons.",
    ),
    asks={
        "technical": (
            "Could you look into this?",
            "Can you tell me if this is a known issue?",
            "Is there a workaround I can use in the meantime?",
            "Please let me know what I should try next.",
            "Could someone from your technical team take a look?",
            "What information do you need from me to debug this?",
        ),
        "billing": (
            "Could you correct the invoice and send me a new one?",
            "Please reverse the duplicate charge.",
            "Can you explain what this charge is for?",
            "Could you update my billing details?",
            "Please confirm what I'll be charged from now on.",
        ),
        "account": (
            "Can you help me get back into my account?",
            "Could you do this from your side?",
            "Please confirm once it's done.",
            "What do I need to do to verify my identity?",
        ),
        "feature_request": (
            "Is this something you're considering?",
            "Is this on the roadmap?",
            "Would you let me know if it gets added?",
            "Happy to beta test it if that helps.",
        ),
        "shipping": (
            "Can you check what's going on?",
            "Could you look into it and get back to me?",
            "Please let me know when I can expect it.",
            "If it's lost, can you send a replacement?",
        ),
        "refund": (
            "Please process the refund as soon as possible.",
            "Could you send me a return label?",
            "Can you confirm when the refund will be issued?",
            "Please refund it to my original payment method.",
        ),
        "complaint": (
            "I'd like someone senior to look at how my case was handled.",
            "Please explain how you're going to put this right.",
            "I expect a proper response this time.",
            "I want to know what you'll do to make sure this doesn't happen again.",
        ),
        "general_inquiry": (
            "Could you let me know?",
            "Any details would be appreciated.",
            "Looking forward to hearing from you.",
            "Thanks for any info.",
        ),
    },
    urgency={
        "urgent": (
            "This is urgent - please get back to me today.",
            "I need this sorted today, please.",
            "Please treat this as urgent.",
            "This is time-critical, so please escalate it immediately.",
            "URGENT - I need an answer as soon as possible.",
            "Please deal with this right away, it can't wait.",
        ),
        "high": (
            "I'd appreciate a quick response.",
            "Could you prioritise this, please?",
            "It's fairly time-sensitive for us.",
            "I'd be grateful if you could look at this soon.",
        ),
        "low": (
            "No rush at all.",
            "Whenever you get a chance.",
            "Not urgent, just curious.",
            "No hurry on this one.",
        ),
    },
    subject_prefixes={
        "urgent": ("URGENT: ", "Urgent - ", "URGENT!! ", "[URGENT] ", "ASAP: "),
        "high": ("Important: ", "Time-sensitive: "),
    },
    angry_subject_suffixes=(" - again!", " (still!)", "!!!", " - very unhappy", "!!"),
    tone={
        "positive": (
            "I really love your product otherwise!",
            "Your team has always been super helpful, so I'm sure you can sort this out.",
            "Thanks so much in advance - you're great.",
            "Big fan of the shop, by the way.",
            "Everything else has been perfect so far.",
            "I appreciate all your help!",
        ),
        "negative": (
            "This is completely unacceptable.",
            "I'm extremely frustrated with this.",
            "Honestly, this is ridiculous.",
            "I'm seriously considering cancelling and going elsewhere.",
            "I've wasted hours on this already.",
            "This is the worst customer experience I've had in years.",
            "I'm really angry about this.",
            "Frankly, I expected a lot better.",
        ),
    },
    thanks=("Thanks.", "Thank you.", "Thanks for your help."),
    signoffs=(
        "Thanks,",
        "Best regards,",
        "Kind regards,",
        "Cheers,",
        "Many thanks,",
        "Thank you,",
        "Best,",
        "Thanks in advance,",
        "All the best,",
        "Regards,",
    ),
    angry_signoffs=("Regards,", "Waiting for your reply,", "Best,", "Thanks,"),
    mobile_signatures=("Sent from my iPhone", "Sent from my Galaxy", "Get Outlook for Android"),
    follow_up_openers=(
        "I'm following up on my email from {when}.",
        "I wrote to you {when} and haven't heard anything back.",
        "Just bumping this - I sent the message below {when}.",
        "Following up on my previous message.",
        "Any update on this? I contacted you {when}.",
        "I sent an email {when} and still haven't had a reply.",
    ),
    follow_up_status={
        "technical": (
            "The problem is still happening.",
            "It's still broken on my side.",
            "Nothing has changed - it still doesn't work.",
        ),
        "billing": ("The charge still hasn't been corrected.", "I still need a corrected invoice."),
        "account": ("I still can't get into my account.", "My account issue still isn't resolved."),
        "feature_request": (
            "I'd still love to know if this is planned.",
            "Just curious whether there's any news on this.",
        ),
        "shipping": (
            "Order {order} still hasn't arrived.",
            "There's still no tracking update for order {order}.",
        ),
        "refund": (
            "I still haven't received my refund for order {order}.",
            "The refund of {amount} still hasn't shown up.",
        ),
        "complaint": (
            "I still haven't received a proper answer to my complaint.",
            "Nobody has responded to my complaint yet.",
        ),
        "general_inquiry": (
            "I'd still like an answer to my question.",
            "I'm still interested, so an answer would be great.",
        ),
    },
    follow_up_tone={
        "positive": (
            "I know you're probably busy, so no worries.",
            "Thanks for your patience with me!",
        ),
        "negative": (
            "It's really frustrating to be ignored like this.",
            "This is getting ridiculous - nobody has replied.",
            "I can't believe I have to chase you again.",
        ),
    },
    when_today="earlier today",
    when_yesterday="yesterday",
    when_days="{n} days ago",
    currency_after=False,
    urgency_reasons={
        "technical": (
            "Our whole team is blocked until it's fixed.",
            "We're losing sales every hour this doesn't work.",
            "Our own customers are affected right now.",
        ),
        "billing": (
            "Our finance team closes the books tomorrow.",
            "The money is needed for payroll this week.",
        ),
        "account": (
            "I can't do my job without access.",
            "Our whole team depends on this account.",
        ),
        "feature_request": ("We have to decide on renewing this week.",),
        "shipping": ("I need it before {weekday}.", "It's needed for an event this week."),
        "refund": ("I really need that money back this week.",),
        "complaint": ("I want this dealt with before I take it further.",),
        "general_inquiry": ("We need to decide by tomorrow.",),
    },
)

FRENCH = LanguagePack(
    greetings=("Bonjour,", "Bonjour à toute l'équipe,", "Madame, Monsieur,", "Bonsoir,", "Salut,"),
    openings=(
        "J'espère que vous allez bien.",
        "Je suis client depuis {year}.",
        "Je me permets de vous écrire car j'ai besoin d'aide.",
        "Je n'ai pas trouvé de réponse dans votre centre d'aide.",
    ),
    topics={
        "technical": (
            _t(
                "Problème avec le module « {feature} » | Erreur « {error} »",
                "Chaque fois que j'ouvre le module « {feature} », j'obtiens l'erreur « {error} ».",
            ),
            _t(
                "L'application plante sur {device} | Plantage de l'application",
                "L'application plante sur mon {device} dès que j'ouvre « {feature} ».",
            ),
            _t(
                "La synchronisation ne fonctionne plus | Synchronisation avec {integration}",
                "La synchronisation avec {integration} ne fonctionne plus {since}.",
            ),
            _t(
                "Lenteurs sur « {feature} » | Application très lente",
                "Le module « {feature} » est extrêmement lent {since}.",
            ),
            _t(
                "Modifications non enregistrées | Bug dans « {feature} »",
                "Depuis la dernière mise à jour, « {feature} » n'enregistre plus mes "
                "modifications.",
            ),
        ),
        "billing": (
            _t(
                "Double prélèvement | Débité deux fois",
                "J'ai été débité deux fois de {amount} pour le {product} ce mois-ci.",
            ),
            _t(
                "Question sur la facture {invoice} | Montant incorrect sur ma facture",
                "Ma facture {invoice} indique {amount_alt} alors que le {product} coûte {amount}.",
            ),
            _t(
                "Facture avec numéro de TVA | Demande de facture",
                "J'ai besoin d'une facture pour la commande {order} avec notre numéro de TVA "
                "{vat}.",
            ),
            _t(
                "Carte refusée | Problème de paiement",
                "Ma carte se terminant par {last4} est refusée alors qu'elle fonctionne partout "
                "ailleurs.",
            ),
        ),
        "account": (
            _t(
                "Impossible de me connecter | Problème de connexion",
                "Je n'arrive plus à me connecter : le site dit que mon mot de passe est incorrect.",
            ),
            _t(
                "E-mail de réinitialisation non reçu | Mot de passe oublié",
                "L'e-mail de réinitialisation du mot de passe n'arrive jamais, même dans les "
                "spams.",
            ),
            _t("Compte bloqué", "Mon compte est bloqué après plusieurs tentatives de connexion."),
            _t(
                "Changer l'adresse e-mail du compte",
                "Je souhaite changer l'adresse e-mail de mon compte pour {new_email}.",
            ),
            _t(
                "Problème de double authentification",
                "J'ai changé de téléphone et je ne peux plus passer la double authentification.",
            ),
            _t(
                "Supprimer mon compte | Suppression de compte",
                "Merci de supprimer mon compte ainsi que toutes mes données.",
            ),
        ),
        "feature_request": (
            _t(
                "Suggestion : mode sombre",
                "Ce serait génial d'avoir un mode sombre dans « {feature} ».",
            ),
            _t(
                "Intégration avec {integration} ?",
                "Avez-vous prévu une intégration avec {integration} ?",
            ),
            _t(
                "Export {export_format} | Demande de fonctionnalité",
                "Pourriez-vous ajouter un export au format {export_format} ?",
            ),
            _t(
                "Rapports automatiques | Idée d'amélioration",
                "Nous aimerions pouvoir programmer l'envoi automatique des rapports chaque "
                "{weekday}.",
            ),
        ),
        "shipping": (
            _t(
                "Où est ma commande {order} ? | Commande {order} non reçue",
                "J'ai commandé le {product} {ago} (commande {order}) et je ne l'ai toujours pas "
                "reçu.",
            ),
            _t(
                "Suivi de colis bloqué | Suivi de la commande {order}",
                "Le suivi de la commande {order} n'a pas bougé {since}.",
            ),
            _t(
                "Colis livré mais pas reçu | Commande {order} introuvable",
                "La commande {order} est indiquée comme livrée, mais je n'ai rien reçu.",
            ),
            _t(
                "Colis bloqué chez {carrier} | Retard de livraison",
                "Ma commande {order} est bloquée au dépôt {carrier} et personne ne sait pourquoi.",
            ),
        ),
        "refund": (
            _t(
                "Demande de remboursement - commande {order} | Retour du {product}",
                "Je souhaite retourner le {product} de la commande {order} et être remboursé de "
                "{amount}.",
            ),
            _t(
                "Remboursement toujours pas reçu | Où est mon remboursement ?",
                "J'ai renvoyé la commande {order} {ago} et je n'ai toujours pas reçu mon "
                "remboursement de {amount}.",
            ),
            _t(
                "Produit défectueux | Le {product} ne fonctionne pas",
                "Le {product} reçu (commande {order}) ne fonctionne pas, je voudrais être "
                "remboursé.",
            ),
            _t(
                "Colis endommagé | Commande {order} abîmée",
                "La commande {order} est arrivée endommagée et je préfère un remboursement "
                "complet.",
            ),
        ),
        "complaint": (
            _t(
                "Support inefficace | Toujours pas de solution",
                "J'ai contacté le support {count} fois pour le même problème et personne ne l'a "
                "résolu.",
            ),
            _t(
                "Réclamation concernant {agent} | Service client décevant",
                "L'agent à qui j'ai parlé, {agent}, a fermé mon ticket sans rien régler.",
            ),
            _t(
                "Qualité décevante | Très déçu du {item}",
                "La qualité du {item} n'est pas du tout à la hauteur de ce qu'annonce votre site.",
            ),
            _t(
                "Aucune réponse | Délai de réponse inacceptable",
                "J'attends une réponse depuis {days} jours, ce n'est pas le service que je paie.",
            ),
        ),
        "general_inquiry": (
            _t(
                "Livrez-vous vers {country} ? | Livraison à l'étranger",
                "Livrez-vous vers {country}, et si oui, quels sont les délais ?",
            ),
            _t(
                "Réduction pour les associations ?",
                "Proposez-vous des réductions pour les associations ?",
            ),
            _t(
                "Numéro de téléphone ? | Joindre le service client",
                "Y a-t-il un numéro de téléphone pour joindre quelqu'un ?",
            ),
            _t(
                "Stockage des données | Question RGPD",
                "Où sont stockées nos données ? Nous en avons besoin pour le RGPD.",
            ),
            _t(
                "Essai gratuit ? | Question sur le {plan}",
                "Existe-t-il un essai gratuit du {plan} ?",
            ),
        ),
    },
    generic_subjects={
        "technical": ("Problème technique", "Bug", "Ça ne marche plus"),
        "billing": ("Question de facturation", "Facturation"),
        "account": ("Mon compte", "Problème de compte"),
        "feature_request": ("Idée d'amélioration", "Suggestion"),
        "shipping": ("Livraison", "Ma commande {order}"),
        "refund": ("Remboursement", "Demande de remboursement"),
        "complaint": ("Réclamation", "Très déçu", "Mauvaise expérience"),
        "general_inquiry": ("Petite question", "Renseignements"),
    },
    contexts={
        "technical": (
            "J'ai déjà vidé le cache et essayé un autre navigateur.",
            "Le problème touche aussi {count} de mes collègues.",
            "Tout fonctionnait encore {weekday} dernier.",
        ),
        "billing": (
            "Notre service comptable en a besoin avant la fin du mois.",
            "Je suis client depuis {year} et c'est la première fois que cela arrive.",
        ),
        "account": (
            "Je suis le propriétaire du compte.",
            "J'ai essayé sur mon {device} et sur mon ordinateur.",
        ),
        "feature_request": (
            "Nous sommes une équipe de {seats} personnes et ce besoin revient souvent.",
            "Pour l'instant, nous passons par un tableur, ce qui est pénible.",
        ),
        "shipping": ("J'ai payé la livraison express.", "C'est un cadeau, le délai est important."),
        "refund": (
            "L'article n'a jamais servi et il est dans son emballage d'origine.",
            "J'ai payé avec ma carte se terminant par {last4}.",
        ),
        "complaint": ("Je suis un client fidèle depuis {year}.", "Ce n'est pas la première fois."),
        "general_inquiry": (
            "Je n'ai pas trouvé l'information dans votre FAQ.",
            "Un ami m'a recommandé votre boutique.",
        ),
    },
    general_contexts=("N'hésitez pas si vous avez besoin de précisions.",),
    asks={
        "technical": (
            "Pourriez-vous regarder ce qui se passe ?",
            "Existe-t-il une solution de contournement ?",
            "Pouvez-vous me dire s'il s'agit d'un problème connu ?",
        ),
        "billing": (
            "Pourriez-vous corriger la facture et m'en envoyer une nouvelle ?",
            "Pouvez-vous m'expliquer à quoi correspond ce prélèvement ?",
        ),
        "account": (
            "Pouvez-vous m'aider à récupérer l'accès ?",
            "Merci de me confirmer quand c'est fait.",
        ),
        "feature_request": (
            "Est-ce prévu dans votre feuille de route ?",
            "Pourriez-vous me tenir au courant si c'est ajouté ?",
        ),
        "shipping": (
            "Pouvez-vous vérifier où se trouve le colis ?",
            "Pourriez-vous m'envoyer un nouveau lien de suivi ?",
        ),
        "refund": (
            "Merci de procéder au remboursement rapidement.",
            "Pouvez-vous m'envoyer une étiquette de retour ?",
        ),
        "complaint": (
            "J'aimerais qu'un responsable examine mon dossier.",
            "Merci de m'expliquer comment vous comptez régler cela.",
        ),
        "general_inquiry": ("Merci d'avance pour votre réponse.", "Pourriez-vous me renseigner ?"),
    },
    urgency={
        "urgent": (
            "C'est urgent, merci de me répondre aujourd'hui.",
            "J'ai besoin d'une solution aujourd'hui.",
            "Merci de traiter cette demande en priorité absolue.",
        ),
        "high": (
            "Une réponse rapide serait appréciée.",
            "Pourriez-vous traiter cela en priorité ?",
        ),
        "low": ("Rien d'urgent.", "Quand vous aurez un moment."),
    },
    subject_prefixes={"urgent": ("URGENT : ", "Urgent - "), "high": ("Important : ",)},
    angry_subject_suffixes=(" - encore !", " !!!"),
    tone={
        "positive": (
            "Par ailleurs, j'adore votre produit !",
            "Votre équipe a toujours été très réactive, merci.",
            "Merci beaucoup d'avance, vous êtes super.",
        ),
        "negative": (
            "C'est inadmissible.",
            "Je suis extrêmement mécontent.",
            "Franchement, c'est ridicule.",
            "J'envisage sérieusement de résilier.",
        ),
    },
    thanks=("Merci.", "Merci pour votre aide."),
    signoffs=(
        "Cordialement,",
        "Bien à vous,",
        "Merci d'avance,",
        "Bonne journée,",
        "Bien cordialement,",
    ),
    angry_signoffs=("Cordialement,", "Dans l'attente de votre réponse,"),
    mobile_signatures=("Envoyé de mon iPhone",),
    follow_up_openers=(
        "Je vous ai écrit {when} et je n'ai toujours pas de réponse.",
        "Je me permets de relancer ma demande envoyée {when}.",
        "Petite relance concernant mon message précédent.",
    ),
    follow_up_status={
        "technical": ("Le problème est toujours présent.",),
        "billing": ("La facture n'a toujours pas été corrigée.",),
        "account": ("Je n'arrive toujours pas à accéder à mon compte.",),
        "feature_request": ("Je serais toujours curieux de savoir si c'est prévu.",),
        "shipping": ("La commande {order} n'est toujours pas arrivée.",),
        "refund": ("Je n'ai toujours pas reçu le remboursement de la commande {order}.",),
        "complaint": ("Je n'ai toujours reçu aucune réponse à ma réclamation.",),
        "general_inquiry": ("J'aimerais toujours avoir une réponse à ma question.",),
    },
    follow_up_tone={
        "positive": ("Je sais que vous êtes sans doute très occupés, pas de souci.",),
        "negative": ("C'est vraiment agaçant d'être ignoré ainsi.",),
    },
    when_today="plus tôt aujourd'hui",
    when_yesterday="hier",
    when_days="il y a {n} jours",
    currency_after=True,
)

GERMAN = LanguagePack(
    greetings=(
        "Hallo,",
        "Guten Tag,",
        "Sehr geehrte Damen und Herren,",
        "Hallo zusammen,",
        "Moin,",
    ),
    openings=(
        "Ich hoffe, es geht Ihnen gut.",
        "Ich bin seit {year} Kunde bei Ihnen.",
        "Ich wende mich mit folgendem Anliegen an Sie.",
        "In Ihrem Hilfe-Center habe ich leider keine Antwort gefunden.",
    ),
    topics={
        "technical": (
            _t(
                "Problem mit dem Modul „{feature}“ | Fehlermeldung „{error}“",
                "Jedes Mal, wenn ich das Modul „{feature}“ öffne, erscheint die Fehlermeldung "
                "„{error}“.",
            ),
            _t(
                "App stürzt auf {device} ab | Absturz der App",
                "Die App stürzt auf meinem {device} ab, sobald ich „{feature}“ öffne.",
            ),
            _t(
                "Synchronisierung funktioniert nicht mehr | Problem mit {integration}",
                "Die Synchronisierung mit {integration} funktioniert {since} nicht mehr.",
            ),
            _t(
                "„{feature}“ extrem langsam | Performance-Problem",
                "Das Modul „{feature}“ ist {since} extrem langsam.",
            ),
            _t(
                "Änderungen werden nicht gespeichert | Fehler im Modul „{feature}“",
                "Seit dem letzten Update speichert „{feature}“ meine Änderungen nicht mehr.",
            ),
        ),
        "billing": (
            _t(
                "Doppelte Abbuchung | Zweimal abgebucht",
                "Mir wurden diesen Monat zweimal {amount} für „{product}“ abgebucht.",
            ),
            _t(
                "Frage zur Rechnung {invoice} | Falscher Betrag auf der Rechnung",
                "Auf meiner Rechnung {invoice} stehen {amount_alt}, obwohl „{product}“ {amount} "
                "kostet.",
            ),
            _t(
                "Rechnung mit USt-IdNr. | Rechnung für Bestellung {order}",
                "Ich benötige eine Rechnung für die Bestellung {order} mit unserer USt-IdNr. "
                "{vat}.",
            ),
            _t(
                "Karte wird abgelehnt | Zahlungsproblem",
                "Meine Karte mit der Endung {last4} wird abgelehnt, obwohl sie überall sonst "
                "funktioniert.",
            ),
        ),
        "account": (
            _t(
                "Login nicht möglich | Anmeldung funktioniert nicht",
                "Ich kann mich nicht mehr einloggen - angeblich ist mein Passwort falsch.",
            ),
            _t(
                "Passwort-E-Mail kommt nicht an | Passwort zurücksetzen",
                "Die E-Mail zum Zurücksetzen des Passworts kommt nie an, auch nicht im "
                "Spam-Ordner.",
            ),
            _t("Konto gesperrt", "Mein Konto wurde nach mehreren Anmeldeversuchen gesperrt."),
            _t(
                "E-Mail-Adresse ändern",
                "Ich möchte die E-Mail-Adresse meines Kontos auf {new_email} ändern.",
            ),
            _t(
                "Problem mit der Zwei-Faktor-Authentifizierung",
                "Ich habe ein neues Handy und komme nicht mehr durch die "
                "Zwei-Faktor-Authentifizierung.",
            ),
            _t(
                "Konto löschen | Löschung meines Kontos",
                "Bitte löschen Sie mein Konto und alle zugehörigen Daten.",
            ),
        ),
        "feature_request": (
            _t(
                "Vorschlag: Dark Mode",
                "Es wäre toll, wenn es für „{feature}“ einen Dark Mode gäbe.",
            ),
            _t("Integration mit {integration}?", "Ist eine Integration mit {integration} geplant?"),
            _t(
                "Export als {export_format} | Feature-Wunsch",
                "Könnten Sie einen Export als {export_format} hinzufügen?",
            ),
            _t(
                "Automatische Berichte | Verbesserungsvorschlag",
                "Wir würden Berichte gern automatisch jeden {weekday} verschicken lassen.",
            ),
        ),
        "shipping": (
            _t(
                "Wo bleibt meine Bestellung {order}? | Bestellung {order} nicht angekommen",
                "Ich habe {ago} „{product}“ bestellt (Bestellung {order}) und es ist immer noch "
                "nicht angekommen.",
            ),
            _t(
                "Sendungsverfolgung aktualisiert sich nicht",
                "Die Sendungsverfolgung für Bestellung {order} hat sich {since} nicht verändert.",
            ),
            _t(
                "Als zugestellt markiert, aber nicht erhalten | Paket nicht erhalten",
                "Bestellung {order} wird als zugestellt angezeigt, aber bei mir ist nichts "
                "angekommen.",
            ),
            _t(
                "Paket hängt bei {carrier} fest | Lieferverzögerung",
                "Meine Bestellung {order} hängt im {carrier}-Depot fest und niemand kann mir "
                "sagen, warum.",
            ),
        ),
        "refund": (
            _t(
                "Rückerstattung für Bestellung {order} | Rücksendung „{product}“",
                "Ich möchte „{product}“ aus Bestellung {order} zurückgeben und die {amount} "
                "erstattet bekommen.",
            ),
            _t(
                "Erstattung noch nicht erhalten | Wo bleibt meine Erstattung?",
                "Ich habe Bestellung {order} {ago} zurückgeschickt und die Erstattung über "
                "{amount} noch nicht erhalten.",
            ),
            _t(
                "Defektes Produkt | „{product}“ funktioniert nicht",
                "„{product}“ aus Bestellung {order} funktioniert nicht, ich möchte mein Geld "
                "zurück.",
            ),
            _t(
                "Beschädigte Lieferung | Bestellung {order} beschädigt",
                "Bestellung {order} kam beschädigt an und ich möchte eine volle Rückerstattung "
                "statt Ersatz.",
            ),
        ),
        "complaint": (
            _t(
                "Support löst nichts | Immer noch keine Lösung",
                "Ich habe den Support {count}-mal wegen desselben Problems kontaktiert und "
                "niemand hat es gelöst.",
            ),
            _t(
                "Beschwerde über {agent} | Schlechter Kundenservice",
                "Ihr Mitarbeiter {agent} hat mein Ticket geschlossen, ohne irgendetwas zu lösen.",
            ),
            _t(
                "Enttäuschende Qualität | Sehr enttäuscht von „{item}“",
                "Die Qualität von „{item}“ entspricht überhaupt nicht dem, was Ihre Website "
                "verspricht.",
            ),
            _t(
                "Keine Antwort | Inakzeptable Wartezeit",
                "Ich warte seit {days} Tagen auf eine Antwort - das ist nicht der Service, für "
                "den ich bezahle.",
            ),
        ),
        "general_inquiry": (
            _t(
                "Liefern Sie nach {country}? | Versand ins Ausland",
                "Liefern Sie auch nach {country}, und wie lange dauert der Versand?",
            ),
            _t("Rabatt für Vereine?", "Gibt es Rabatte für gemeinnützige Organisationen?"),
            _t(
                "Telefonnummer? | Erreichbarkeit des Supports",
                "Gibt es eine Telefonnummer, unter der ich jemanden erreichen kann?",
            ),
            _t(
                "Datenspeicherung | DSGVO-Frage",
                "Wo werden unsere Daten gespeichert? Wir brauchen das wegen der DSGVO.",
            ),
            _t(
                "Testphase? | Frage zu „{plan}“",
                "Gibt es eine kostenlose Testphase für „{plan}“?",
            ),
        ),
    },
    generic_subjects={
        "technical": ("Technisches Problem", "Fehler", "Funktioniert nicht"),
        "billing": ("Frage zur Abrechnung", "Rechnung"),
        "account": ("Mein Konto", "Kontoproblem"),
        "feature_request": ("Verbesserungsvorschlag", "Feature-Wunsch"),
        "shipping": ("Lieferung", "Meine Bestellung {order}"),
        "refund": ("Rückerstattung", "Erstattung"),
        "complaint": ("Beschwerde", "Sehr enttäuscht", "Ärgerliche Erfahrung"),
        "general_inquiry": ("Kurze Frage", "Anfrage"),
    },
    contexts={
        "technical": (
            "Ich habe bereits den Cache geleert und einen anderen Browser ausprobiert.",
            "Das Problem betrifft auch {count} meiner Kollegen.",
            "Bis {weekday} hat noch alles funktioniert.",
        ),
        "billing": (
            "Unsere Buchhaltung braucht das bis Monatsende.",
            "Ich bin seit {year} Kunde und das ist mir noch nie passiert.",
        ),
        "account": (
            "Ich bin der Inhaber des Kontos.",
            "Ich habe es auf meinem {device} und am Laptop versucht.",
        ),
        "feature_request": (
            "Wir sind ein Team von {seats} Leuten und brauchen das ständig.",
            "Im Moment behelfen wir uns mit einer Tabelle, was mühsam ist.",
        ),
        "shipping": (
            "Ich habe für Expressversand bezahlt.",
            "Es ist ein Geschenk, deshalb ist der Termin wichtig.",
        ),
        "refund": (
            "Der Artikel ist unbenutzt und originalverpackt.",
            "Ich habe mit meiner Karte mit der Endung {last4} bezahlt.",
        ),
        "complaint": ("Ich bin seit {year} treuer Kunde.", "Das ist auch nicht das erste Mal."),
        "general_inquiry": (
            "In Ihren FAQ habe ich dazu nichts gefunden.",
            "Ein Freund hat mir Ihren Shop empfohlen.",
        ),
    },
    general_contexts=("Melden Sie sich gern, falls Sie weitere Informationen brauchen.",),
    asks={
        "technical": (
            "Könnten Sie sich das bitte ansehen?",
            "Gibt es einen Workaround?",
            "Ist das ein bekanntes Problem?",
        ),
        "billing": (
            "Könnten Sie die Rechnung bitte korrigieren und mir neu zusenden?",
            "Können Sie mir erklären, wofür diese Abbuchung ist?",
        ),
        "account": (
            "Können Sie mir helfen, wieder Zugriff zu bekommen?",
            "Bitte bestätigen Sie mir kurz, wenn es erledigt ist.",
        ),
        "feature_request": (
            "Steht das auf Ihrer Roadmap?",
            "Geben Sie mir Bescheid, falls das kommt?",
        ),
        "shipping": (
            "Können Sie nachsehen, wo das Paket ist?",
            "Könnten Sie mir einen aktuellen Tracking-Link schicken?",
        ),
        "refund": (
            "Bitte veranlassen Sie die Erstattung so schnell wie möglich.",
            "Können Sie mir ein Rücksendeetikett schicken?",
        ),
        "complaint": (
            "Ich möchte, dass sich ein Vorgesetzter meinen Fall ansieht.",
            "Bitte erklären Sie mir, wie Sie das wiedergutmachen wollen.",
        ),
        "general_inquiry": (
            "Vielen Dank im Voraus für Ihre Antwort.",
            "Könnten Sie mir da weiterhelfen?",
        ),
    },
    urgency={
        "urgent": (
            "Das ist dringend - bitte melden Sie sich heute noch.",
            "Ich brauche heute noch eine Lösung.",
            "Bitte behandeln Sie das mit höchster Priorität.",
        ),
        "high": (
            "Über eine schnelle Antwort würde ich mich freuen.",
            "Könnten Sie das bitte vorrangig bearbeiten?",
        ),
        "low": ("Es eilt nicht.", "Wann immer Sie Zeit haben."),
    },
    subject_prefixes={"urgent": ("DRINGEND: ", "Dringend - "), "high": ("Wichtig: ",)},
    angry_subject_suffixes=(" - schon wieder!", "!!!"),
    tone={
        "positive": (
            "Ansonsten bin ich mit Ihrem Produkt sehr zufrieden!",
            "Ihr Team war bisher immer super hilfsbereit, danke!",
        ),
        "negative": (
            "Das ist absolut inakzeptabel.",
            "Ich bin extrem verärgert.",
            "Ehrlich gesagt ist das lächerlich.",
            "Ich überlege ernsthaft zu kündigen.",
        ),
    },
    thanks=("Danke.", "Vielen Dank."),
    signoffs=(
        "Viele Grüße",
        "Mit freundlichen Grüßen",
        "Beste Grüße",
        "Danke und viele Grüße",
        "LG",
    ),
    angry_signoffs=("Mit freundlichen Grüßen", "Ich erwarte Ihre Antwort."),
    mobile_signatures=("Von meinem iPhone gesendet",),
    follow_up_openers=(
        "Ich habe Ihnen {when} geschrieben und noch keine Antwort erhalten.",
        "Kurze Erinnerung an meine letzte Nachricht.",
        "Ich melde mich noch einmal, da ich {when} geschrieben habe und nichts gehört habe.",
    ),
    follow_up_status={
        "technical": ("Das Problem besteht weiterhin.",),
        "billing": ("Die Rechnung wurde immer noch nicht korrigiert.",),
        "account": ("Ich komme immer noch nicht in mein Konto.",),
        "feature_request": ("Mich würde weiterhin interessieren, ob das geplant ist.",),
        "shipping": ("Bestellung {order} ist immer noch nicht angekommen.",),
        "refund": ("Die Erstattung für Bestellung {order} habe ich immer noch nicht erhalten.",),
        "complaint": ("Auf meine Beschwerde habe ich immer noch keine Antwort.",),
        "general_inquiry": ("Ich hätte weiterhin gern eine Antwort auf meine Frage.",),
    },
    follow_up_tone={
        "positive": ("Ich weiß, dass Sie viel zu tun haben - kein Stress.",),
        "negative": ("Es ist wirklich ärgerlich, so ignoriert zu werden.",),
    },
    when_today="heute früh",
    when_yesterday="gestern",
    when_days="vor {n} Tagen",
    currency_after=True,
)

SPANISH = LanguagePack(
    greetings=("Hola,", "Buenos días,", "Estimado equipo:", "Buenas tardes,", "Hola equipo,"),
    openings=(
        "Espero que estén bien.",
        "Soy cliente desde {year}.",
        "Les escribo por un problema.",
        "No encontré la respuesta en su centro de ayuda.",
    ),
    topics={
        "technical": (
            _t(
                "Problema con el módulo «{feature}» | Error «{error}»",
                "Cada vez que abro el módulo «{feature}» aparece el error «{error}».",
            ),
            _t(
                "La app se cierra en {device} | La aplicación se cuelga",
                "La app se cierra en mi {device} en cuanto abro «{feature}».",
            ),
            _t(
                "La sincronización ya no funciona | Problema con {integration}",
                "La sincronización con {integration} no funciona {since}.",
            ),
            _t(
                "«{feature}» va muy lento | Problema de rendimiento",
                "El módulo «{feature}» va lentísimo {since}.",
            ),
            _t(
                "No se guardan los cambios | Fallo en «{feature}»",
                "Desde la última actualización, «{feature}» ya no guarda mis cambios.",
            ),
        ),
        "billing": (
            _t(
                "Cobro duplicado | Me han cobrado dos veces",
                "Este mes me han cobrado dos veces {amount} por el {product}.",
            ),
            _t(
                "Consulta sobre la factura {invoice} | Importe incorrecto en mi factura",
                "Mi factura {invoice} indica {amount_alt}, pero el {product} cuesta {amount}.",
            ),
            _t(
                "Factura con NIF | Factura del pedido {order}",
                "Necesito una factura del pedido {order} con nuestro NIF {vat}.",
            ),
            _t(
                "Tarjeta rechazada | Problema con el pago",
                "Mi tarjeta terminada en {last4} es rechazada, aunque funciona en todas partes.",
            ),
        ),
        "account": (
            _t(
                "No puedo iniciar sesión | Problema de acceso",
                "No puedo iniciar sesión: dice que mi contraseña es incorrecta.",
            ),
            _t(
                "No llega el correo de la contraseña | Restablecer contraseña",
                "El correo para restablecer la contraseña nunca llega, ni siquiera a spam.",
            ),
            _t(
                "Cuenta bloqueada",
                "Mi cuenta se bloqueó después de varios intentos de inicio de sesión.",
            ),
            _t(
                "Cambiar el correo de mi cuenta",
                "Quiero cambiar el correo de mi cuenta a {new_email}.",
            ),
            _t(
                "Problema con la verificación en dos pasos",
                "Cambié de móvil y ya no puedo pasar la verificación en dos pasos.",
            ),
            _t(
                "Eliminar mi cuenta | Baja de la cuenta",
                "Por favor, eliminen mi cuenta y todos mis datos.",
            ),
        ),
        "feature_request": (
            _t("Sugerencia: modo oscuro", "Sería genial tener modo oscuro en «{feature}»."),
            _t("¿Integración con {integration}?", "¿Tienen pensado integrarse con {integration}?"),
            _t(
                "Exportar a {export_format} | Solicitud de funcionalidad",
                "¿Podrían añadir la exportación a {export_format}?",
            ),
            _t(
                "Informes automáticos | Idea de mejora",
                "Nos gustaría programar el envío automático de informes cada {weekday}.",
            ),
        ),
        "shipping": (
            _t(
                "¿Dónde está mi pedido {order}? | Pedido {order} sin recibir",
                "Pedí el {product} {ago} (pedido {order}) y todavía no ha llegado.",
            ),
            _t(
                "El seguimiento no se actualiza",
                "El seguimiento del pedido {order} no se actualiza {since}.",
            ),
            _t(
                "Entregado pero no recibido | Pedido {order} no recibido",
                "El pedido {order} aparece como entregado, pero no he recibido nada.",
            ),
            _t(
                "Pedido atascado en {carrier} | Retraso en la entrega",
                "Mi pedido {order} está atascado en el almacén de {carrier} y nadie sabe por qué.",
            ),
        ),
        "refund": (
            _t(
                "Solicitud de reembolso del pedido {order} | Devolución del {product}",
                "Quiero devolver el {product} del pedido {order} y que me reembolsen {amount}.",
            ),
            _t(
                "Todavía no he recibido el reembolso | ¿Dónde está mi reembolso?",
                "Devolví el pedido {order} {ago} y todavía no he recibido el reembolso de "
                "{amount}.",
            ),
            _t(
                "Producto defectuoso | El {product} no funciona",
                "El {product} que recibí (pedido {order}) no funciona, quiero que me devuelvan "
                "el dinero.",
            ),
            _t(
                "Pedido dañado | El pedido {order} llegó roto",
                "El pedido {order} llegó dañado y prefiero un reembolso completo.",
            ),
        ),
        "complaint": (
            _t(
                "Soporte inútil | Sigo sin solución",
                "He contactado con soporte {count} veces por el mismo problema y nadie lo ha "
                "resuelto.",
            ),
            _t(
                "Queja sobre {agent} | Pésima atención al cliente",
                "El agente con el que hablé, {agent}, cerró mi ticket sin resolver nada.",
            ),
            _t(
                "Calidad decepcionante | Muy decepcionado con el {item}",
                "La calidad del {item} no tiene nada que ver con lo que promete su web.",
            ),
            _t(
                "Sin respuesta | Tiempo de espera inaceptable",
                "Llevo {days} días esperando una respuesta; no es el servicio por el que pago.",
            ),
        ),
        "general_inquiry": (
            _t(
                "¿Hacen envíos a {country}? | Envíos internacionales",
                "¿Hacen envíos a {country}? ¿Cuánto suele tardar la entrega?",
            ),
            _t(
                "¿Descuentos para ONG?",
                "¿Ofrecen descuentos para ONG o centros educativos?",
            ),
            _t(
                "¿Teléfono de contacto? | Horario de atención",
                "¿Hay algún número de teléfono para hablar con alguien?",
            ),
            _t(
                "Almacenamiento de datos | Consulta RGPD",
                "¿Dónde se almacenan nuestros datos? Lo necesitamos por el RGPD.",
            ),
            _t(
                "¿Prueba gratuita? | Pregunta sobre el {plan}",
                "¿Hay una prueba gratuita del {plan}?",
            ),
        ),
    },
    generic_subjects={
        "technical": ("Problema técnico", "Fallo", "No funciona"),
        "billing": ("Consulta de facturación", "Factura"),
        "account": ("Mi cuenta", "Problema con mi cuenta"),
        "feature_request": ("Idea de mejora", "Sugerencia"),
        "shipping": ("Envío", "Mi pedido {order}"),
        "refund": ("Reembolso", "Solicitud de reembolso"),
        "complaint": ("Reclamación", "Muy decepcionado", "Mala experiencia"),
        "general_inquiry": ("Una pregunta", "Información"),
    },
    contexts={
        "technical": (
            "Ya borré la caché y probé con otro navegador.",
            "Les pasa también a {count} de mis compañeros.",
            "Hasta el {weekday} funcionaba bien.",
        ),
        "billing": (
            "Nuestro departamento de contabilidad lo necesita antes de fin de mes.",
            "Soy cliente desde {year} y nunca me había pasado.",
        ),
        "account": (
            "Soy el titular de la cuenta.",
            "Lo he intentado en mi {device} y en el portátil.",
        ),
        "feature_request": (
            "Somos un equipo de {seats} personas y lo necesitamos a menudo.",
            "Por ahora lo resolvemos con una hoja de cálculo, lo cual es un lío.",
        ),
        "shipping": ("Pagué el envío urgente.", "Es un regalo, así que el plazo es importante."),
        "refund": (
            "El artículo está sin usar y en su embalaje original.",
            "Pagué con mi tarjeta terminada en {last4}.",
        ),
        "complaint": ("Soy cliente fiel desde {year}.", "Y no es la primera vez."),
        "general_inquiry": (
            "No encontré esta información en sus preguntas frecuentes.",
            "Un amigo me recomendó su tienda.",
        ),
    },
    general_contexts=("Si necesitan más información, díganmelo.",),
    asks={
        "technical": (
            "¿Podrían revisarlo?",
            "¿Hay alguna solución temporal?",
            "¿Es un problema conocido?",
        ),
        "billing": (
            "¿Podrían corregir la factura y enviarme una nueva?",
            "¿Me pueden explicar a qué corresponde este cargo?",
        ),
        "account": (
            "¿Me pueden ayudar a recuperar el acceso?",
            "Confírmenme cuando esté hecho, por favor.",
        ),
        "feature_request": ("¿Está en su hoja de ruta?", "¿Me avisan si lo añaden?"),
        "shipping": (
            "¿Pueden comprobar dónde está el paquete?",
            "¿Me pueden enviar un enlace de seguimiento actualizado?",
        ),
        "refund": (
            "Por favor, tramiten el reembolso lo antes posible.",
            "¿Me pueden enviar una etiqueta de devolución?",
        ),
        "complaint": (
            "Quiero que un responsable revise cómo se ha llevado mi caso.",
            "Explíquenme cómo piensan solucionarlo.",
        ),
        "general_inquiry": ("Gracias de antemano por la información.", "¿Me podrían informar?"),
    },
    urgency={
        "urgent": (
            "Es urgente, por favor respondan hoy mismo.",
            "Necesito una solución hoy mismo.",
            "Por favor, denle máxima prioridad.",
        ),
        "high": ("Agradecería una respuesta rápida.", "¿Podrían darle prioridad?"),
        "low": ("No corre prisa.", "Cuando puedan."),
    },
    subject_prefixes={"urgent": ("URGENTE: ", "Urgente - "), "high": ("Importante: ",)},
    angry_subject_suffixes=(" - ¡otra vez!", " !!!"),
    tone={
        "positive": (
            "Por lo demás, ¡me encanta su producto!",
            "Su equipo siempre ha sido muy amable, gracias.",
        ),
        "negative": (
            "Esto es totalmente inaceptable.",
            "Estoy muy enfadado.",
            "Sinceramente, es ridículo.",
            "Estoy pensando seriamente en darme de baja.",
        ),
    },
    thanks=("Gracias.", "Muchas gracias por su ayuda."),
    signoffs=("Saludos,", "Un saludo,", "Gracias,", "Atentamente,", "Muchas gracias,"),
    angry_signoffs=("Atentamente,", "Quedo a la espera de su respuesta,"),
    mobile_signatures=("Enviado desde mi iPhone",),
    follow_up_openers=(
        "Les escribí {when} y todavía no tengo respuesta.",
        "Vuelvo a escribirles porque les envié un mensaje {when} y nadie ha contestado.",
        "Les recuerdo mi mensaje anterior.",
    ),
    follow_up_status={
        "technical": ("El problema sigue ocurriendo.",),
        "billing": ("La factura sigue sin corregirse.",),
        "account": ("Sigo sin poder acceder a mi cuenta.",),
        "feature_request": ("Me sigue interesando saber si está previsto.",),
        "shipping": ("El pedido {order} sigue sin llegar.",),
        "refund": ("Sigo sin recibir el reembolso del pedido {order}.",),
        "complaint": ("Sigo sin recibir respuesta a mi reclamación.",),
        "general_inquiry": ("Sigo esperando una respuesta a mi pregunta.",),
    },
    follow_up_tone={
        "positive": ("Sé que estarán muy ocupados, no pasa nada.",),
        "negative": ("Es muy frustrante que me ignoren así.",),
    },
    when_today="esta mañana",
    when_yesterday="ayer",
    when_days="hace {n} días",
    currency_after=True,
)

LANGUAGE_PACKS: Mapping[str, LanguagePack] = {
    "en": ENGLISH,
    "fr": FRENCH,
    "de": GERMAN,
    "es": SPANISH,
}
