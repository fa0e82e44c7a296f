"""The fixed sentences of a draft in seven languages: en, fr, de, es, pt, it and nl.

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
    "pt": {
        "technical": "Obrigado por nos informar sobre este problema técnico.",
        "billing": (
            "Obrigado pela sua mensagem sobre a faturação. Queremos que cada cobrança lhe seja "
            "clara."
        ),
        "account": "Obrigado por entrar em contacto connosco sobre a sua conta.",
        "feature_request": "Obrigado por dedicar o seu tempo a partilhar a sua sugestão connosco.",
        "shipping": "Obrigado por nos contactar sobre a sua entrega.",
        "refund": "Obrigado por nos contactar sobre a sua devolução e reembolso.",
        "complaint": (
            "Obrigado por nos contar a sua experiência. Lamento que o tenhamos desiludido e quero "
            "garantir que o seu caso é analisado com atenção."
        ),
        "general_inquiry": "Obrigado pela sua pergunta.",
    },
    "it": {
        "technical": "Grazie per averci segnalato questo problema tecnico.",
        "billing": (
            "Grazie per il suo messaggio sulla fatturazione. Vogliamo che ogni addebito le sia "
            "chiaro."
        ),
        "account": "Grazie per averci contattato riguardo al suo account.",
        "feature_request": "Grazie per aver dedicato del tempo a condividere il suo suggerimento.",
        "shipping": "Grazie per averci contattato riguardo alla sua consegna.",
        "refund": "Grazie per averci contattato riguardo al suo reso e al rimborso.",
        "complaint": (
            "Grazie per averci raccontato la sua esperienza. Mi dispiace di averla delusa e voglio "
            "assicurarmi che il suo caso venga esaminato con attenzione."
        ),
        "general_inquiry": "Grazie per la sua domanda.",
    },
    "nl": {
        "technical": "Bedankt dat u ons op dit technische probleem wijst.",
        "billing": (
            "Bedankt voor uw bericht over de facturering. We willen dat elke afschrijving voor u "
            "duidelijk is."
        ),
        "account": "Bedankt dat u contact met ons opneemt over uw account.",
        "feature_request": "Bedankt dat u de tijd neemt om uw suggestie met ons te delen.",
        "shipping": "Bedankt voor uw bericht over uw levering.",
        "refund": "Bedankt voor uw bericht over uw retour en terugbetaling.",
        "complaint": (
            "Bedankt dat u uw ervaring met ons deelt. Het spijt me dat we u hebben teleurgesteld, "
            "en ik zorg ervoor dat uw zaak zorgvuldig wordt bekeken."
        ),
        "general_inquiry": "Bedankt voor uw vraag.",
    },
}
DEFAULT_ACKNOWLEDGEMENT = {
    "en": "Thank you for contacting us.",
    "fr": "Merci de nous avoir contactés.",
    "de": "Vielen Dank für Ihre Nachricht.",
    "es": "Gracias por ponerse en contacto con nosotros.",
    "pt": "Obrigado por nos contactar.",
    "it": "Grazie per averci contattato.",
    "nl": "Bedankt voor uw bericht.",
}
SORRY = {
    "en": "I am sorry for the inconvenience this has caused.",
    "fr": "Je suis désolé pour la gêne occasionnée.",
    "de": "Es tut mir leid für die Unannehmlichkeiten.",
    "es": "Lamento las molestias que esto le ha causado.",
    "pt": "Lamento o incómodo que isto lhe causou.",
    "it": "Mi scuso per il disagio che questo le ha causato.",
    "nl": "Het spijt me voor het ongemak dat dit heeft veroorzaakt.",
}
NO_ARTICLE = {
    "en": "A member of our team will look into your message and reply to you personally.",
    "fr": "Un membre de notre équipe va examiner votre message et vous répondre personnellement.",
    "de": "Ein Mitglied unseres Teams prüft Ihre Nachricht und antwortet Ihnen persönlich.",
    "es": "Un miembro de nuestro equipo revisará su mensaje y le responderá personalmente.",
    "pt": "Um membro da nossa equipa vai analisar a sua mensagem e responder-lhe pessoalmente.",
    "it": "Un membro del nostro team esaminerà il suo messaggio e le risponderà personalmente.",
    "nl": "Een medewerker van ons team bekijkt uw bericht en antwoordt u persoonlijk.",
}
FOLLOW_UP = {
    "en": "If this does not solve it, simply reply to this email and we will help you further.",
    "fr": "Si cela ne résout pas le problème, répondez simplement à cet e-mail et nous vous "
    "aiderons.",
    "de": "Falls das Ihr Anliegen nicht löst, antworten Sie einfach auf diese E-Mail; wir helfen "
    "Ihnen gerne weiter.",
    "es": "Si esto no lo resuelve, responda a este correo y le ayudaremos.",
    "pt": "Se isto não resolver, basta responder a este e-mail e ajudamos com todo o gosto.",
    "it": "Se questo non risolve il problema, risponda pure a questa e-mail e la aiuteremo.",
    "nl": "Lost dit het niet op, beantwoord dan gewoon deze e-mail en we helpen u verder.",
}
#: For a customer writing in another language than English the English article is cited by its title
#: and id, not quoted: a quoted English article would make most of the reply English.
ARTICLE_CITATION = {
    "fr": 'Vous trouverez la réponse détaillée dans notre article d\'aide "{title}" '
    "(référence {article_id}, en anglais) ; nous pouvons aussi vous l'expliquer en français.",
    "de": 'Die ausführliche Antwort finden Sie in unserem Hilfeartikel "{title}" '
    "(Kennung {article_id}, auf Englisch); gerne erklären wir es Ihnen auch auf Deutsch.",
    "es": 'Encontrará la respuesta detallada en nuestro artículo de ayuda "{title}" '
    "(referencia {article_id}, en inglés); con gusto se lo explicamos también en español.",
    "pt": 'Encontrará a resposta detalhada no nosso artigo de ajuda "{title}" '
    "(referência {article_id}, em inglês); teremos todo o gosto em explicá-la em português.",
    "it": 'Trova la risposta dettagliata nel nostro articolo di assistenza "{title}" '
    "(riferimento {article_id}, in inglese); saremo lieti di spiegargliela anche in italiano.",
    "nl": 'U vindt het uitgebreide antwoord in ons helpartikel "{title}" '
    "(kenmerk {article_id}, in het Engels); we leggen het u ook graag in het Nederlands uit.",
}
#: Introduces the quoted (English) article; ``{title}`` is its title.
ARTICLE_INTRO = {
    "en": 'Our help article "{title}" explains:',
    "fr": 'Notre article d\'aide "{title}" (en anglais) explique :',
    "de": 'Unser Hilfeartikel "{title}" (auf Englisch) erklärt:',
    "es": 'Nuestro artículo de ayuda "{title}" (en inglés) explica:',
    "pt": 'O nosso artigo de ajuda "{title}" (em inglês) explica:',
    "it": 'Il nostro articolo di assistenza "{title}" (in inglese) spiega:',
    "nl": 'Ons helpartikel "{title}" (in het Engels) legt uit:',
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
    "pt": (
        "Para referência, mencionou {what}.",
        "a encomenda",
        "as encomendas",
        "o montante",
        "os montantes",
        "e",
    ),
    "it": (
        "Per riferimento, ha indicato {what}.",
        "l'ordine",
        "gli ordini",
        "l'importo",
        "gli importi",
        "e",
    ),
    "nl": (
        "Ter referentie: u noemde {what}.",
        "bestelling",
        "bestellingen",
        "het bedrag",
        "de bedragen",
        "en",
    ),
}
