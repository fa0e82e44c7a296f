"""The fixed sentences of a draft in English, French, German and Spanish.

None contains a number, date, amount, time frame or policy: every fact in a draft comes from the
email or the cited article. The article itself is quoted as written (in English).
"""

from __future__ import annotations

ACKNOWLEDGEMENTS: dict[str, dict[str, str]] = {
    "en": {
        "technical": "Thank you for letting us know about this technical problem.",
        "billing": (
            "Thank you for your message about billing. We want every charge to be clear to you."
        ),
        "account": "Thank you for getting in touch about your account.",
        "feature_request": "Thank you for taking the time to share your suggestion with us.",
        "shipping": "Thank you for contacting us about your delivery.",
        "refund": "Thank you for contacting us about your return and refund.",
        "complaint": (
            "Thank you for telling us about your experience. I am sorry that we have let you "
            "down, and I want to make sure this is looked at properly."
        ),
        "general_inquiry": "Thank you for your question.",
    },
    "fr": {
        "technical": "Merci de nous avoir signalé ce problème technique.",
        "billing": (
            "Merci pour votre message concernant la facturation. Nous tenons à ce que chaque "
            "prélèvement soit clair pour vous."
        ),
        "account": "Merci de nous avoir contactés au sujet de votre compte.",
        "feature_request": "Merci d'avoir pris le temps de nous faire part de votre suggestion.",
        "shipping": "Merci de nous avoir contactés au sujet de votre livraison.",
        "refund": (
            "Merci de nous avoir contactés au sujet de votre retour et de votre remboursement."
        ),
        "complaint": (
            "Merci de nous avoir fait part de votre expérience. Je suis désolé que nous vous "
            "ayons déçu, et je veux m'assurer que votre demande soit examinée avec attention."
        ),
        "general_inquiry": "Merci pour votre question.",
    },
    "de": {
        "technical": "Vielen Dank, dass Sie uns auf dieses technische Problem hingewiesen haben.",
        "billing": (
            "Vielen Dank für Ihre Nachricht zur Abrechnung. Jede Abbuchung soll für Sie "
            "nachvollziehbar sein."
        ),
        "account": "Vielen Dank, dass Sie sich wegen Ihres Kontos an uns wenden.",
        "feature_request": (
            "Vielen Dank, dass Sie sich die Zeit für Ihren Vorschlag genommen haben."
        ),
        "shipping": "Vielen Dank für Ihre Nachricht zu Ihrer Lieferung.",
        "refund": "Vielen Dank für Ihre Nachricht zu Ihrer Rücksendung und Erstattung.",
        "complaint": (
            "Vielen Dank, dass Sie uns von Ihrer Erfahrung berichten. Es tut mir leid, dass wir "
            "Sie enttäuscht haben, und ich sorge dafür, dass Ihr Anliegen sorgfältig geprüft wird."
        ),
        "general_inquiry": "Vielen Dank für Ihre Frage.",
    },
    "es": {
        "technical": "Gracias por informarnos de este problema técnico.",
        "billing": (
            "Gracias por su mensaje sobre la facturación. Queremos que cada cargo le resulte claro."
        ),
        "account": "Gracias por ponerse en contacto con nosotros sobre su cuenta.",
        "feature_request": "Gracias por tomarse el tiempo de compartir su sugerencia con nosotros.",
        "shipping": "Gracias por ponerse en contacto con nosotros sobre su entrega.",
        "refund": "Gracias por escribirnos sobre su devolución y reembolso.",
        "complaint": (
            "Gracias por contarnos su experiencia. Lamento que le hayamos decepcionado y quiero "
            "asegurarme de que su caso se revise con atención."
        ),
        "general_inquiry": "Gracias por su pregunta.",
    },
}
DEFAULT_ACKNOWLEDGEMENT = {
    "en": "Thank you for contacting us.",
    "fr": "Merci de nous avoir contactés.",
    "de": "Vielen Dank für Ihre Nachricht.",
    "es": "Gracias por ponerse en contacto con nosotros.",
}
SORRY = {
    "en": "I am sorry for the inconvenience this has caused.",
    "fr": "Je suis désolé pour la gêne occasionnée.",
    "de": "Es tut mir leid für die Unannehmlichkeiten.",
    "es": "Lamento las molestias que esto le ha causado.",
}
NO_ARTICLE = {
    "en": "A member of our team will look into your message and reply to you personally.",
    "fr": "Un membre de notre équipe va examiner votre message et vous répondre personnellement.",
    "de": "Ein Mitglied unseres Teams prüft Ihre Nachricht und antwortet Ihnen persönlich.",
    "es": "Un miembro de nuestro equipo revisará su mensaje y le responderá personalmente.",
}
FOLLOW_UP = {
    "en": "If this does not solve it, simply reply to this email and we will help you further.",
    "fr": "Si cela ne résout pas le problème, répondez simplement à cet e-mail et nous vous "
    "aiderons.",
    "de": "Falls das Ihr Anliegen nicht löst, antworten Sie einfach auf diese E-Mail; wir helfen "
    "Ihnen gerne weiter.",
    "es": "Si esto no lo resuelve, responda a este correo y le ayudaremos.",
}
#: For a customer writing in French, German or Spanish the English article is cited by its title
#: and id, not quoted: a quoted English article would make most of the reply English.
ARTICLE_CITATION = {
    "fr": 'Vous trouverez la réponse détaillée dans notre article d\'aide "{title}" '
    "(référence {article_id}, en anglais) ; nous pouvons aussi vous l'expliquer en français.",
    "de": 'Die ausführliche Antwort finden Sie in unserem Hilfeartikel "{title}" '
    "(Kennung {article_id}, auf Englisch); gerne erklären wir es Ihnen auch auf Deutsch.",
    "es": 'Encontrará la respuesta detallada en nuestro artículo de ayuda "{title}" '
    "(referencia {article_id}, en inglés); con gusto se lo explicamos también en español.",
}
#: Introduces the quoted (English) article; ``{title}`` is its title.
ARTICLE_INTRO = {
    "en": 'Our help article "{title}" explains:',
    "fr": 'Notre article d\'aide "{title}" (en anglais) explique :',
    "de": 'Unser Hilfeartikel "{title}" (auf Englisch) erklärt:',
    "es": 'Nuestro artículo de ayuda "{title}" (en inglés) explica:',
}
#: "For reference, you mentioned {what}." and the words for orders and amounts.
REFERENCE = {
    "en": (
        "For reference, you mentioned {what}.",
        "order",
        "orders",
        "the amount",
        "the amounts",
        "and",
    ),
    "fr": (
        "Pour mémoire, vous avez mentionné {what}.",
        "la commande",
        "les commandes",
        "le montant",
        "les montants",
        "et",
    ),
    "de": (
        "Zur Referenz: Sie haben {what} genannt.",
        "die Bestellung",
        "die Bestellungen",
        "den Betrag",
        "die Beträge",
        "und",
    ),
    "es": (
        "Como referencia, usted mencionó {what}.",
        "el pedido",
        "los pedidos",
        "el importe",
        "los importes",
        "y",
    ),
}
