"""Emails about a portal account's addresses ("+ Courriel"), in French and English.

Each function returns ``(subject, text, html)``. Addresses are shown as the
person typed them; the HTML part escapes everything that comes from people.
"""

from __future__ import annotations

from html import escape

Mail = tuple[str, str, str]

_TEXTS: dict[str, dict[str, str]] = {
    "code_subject": {
        "fr": "Votre code de confirmation : {code}",
        "en": "Your confirmation code: {code}",
    },
    "code_body": {
        "fr": (
            "Pour ajouter l'adresse {address} à votre portail client, entrez ce code : "
            "{code}\n\nIl est valide {minutes} minutes. Si vous n'avez rien demandé, "
            "ignorez ce message : rien ne sera ajouté."
        ),
        "en": (
            "To add the address {address} to your client portal, enter this code: "
            "{code}\n\nIt is valid for {minutes} minutes. If you did not ask for it, "
            "ignore this message: nothing will be added."
        ),
    },
    "added_subject": {
        "fr": "Une adresse a été ajoutée à votre portail client",
        "en": "An address was added to your client portal",
    },
    "added_body": {
        "fr": (
            "L'adresse {address} a été ajoutée à votre compte du portail client. "
            "Si ce n'est pas vous, retirez-la depuis votre profil et fermez les "
            "connexions actives."
        ),
        "en": (
            "The address {address} was added to your client portal account. "
            "If this was not you, remove it from your profile and end the active "
            "sessions."
        ),
    },
    "removed_subject": {
        "fr": "Une adresse a été retirée de votre portail client",
        "en": "An address was removed from your client portal",
    },
    "removed_body": {
        "fr": (
            "L'adresse {address} a été retirée de votre compte du portail client. "
            "Vous ne pourrez plus vous connecter avec elle. Si ce n'est pas vous, "
            "communiquez avec votre professionnel."
        ),
        "en": (
            "The address {address} was removed from your client portal account. "
            "You can no longer sign in with it. If this was not you, contact your "
            "professional."
        ),
    },
}


def _text(key: str, language: str) -> str:
    texts = _TEXTS[key]
    return texts.get(language) or texts["fr"]


def _html(body: str) -> str:
    paragraphs = "".join(f"<p>{escape(part)}</p>" for part in body.split("\n\n"))
    return f"<!doctype html><html><body>{paragraphs}</body></html>"


def verification_code(language: str, *, address: str, code: str, minutes: int) -> Mail:
    """The code that confirms a new address, sent to that address."""
    subject = _text("code_subject", language).format(code=code)
    body = _text("code_body", language).format(address=address, code=code, minutes=minutes)
    return subject, body, _html(body)


def address_added(language: str, *, address: str) -> Mail:
    """Notice to the account's other addresses that ``address`` was added."""
    body = _text("added_body", language).format(address=address)
    return _text("added_subject", language), body, _html(body)


def address_removed(language: str, *, address: str) -> Mail:
    """Notice to the removed address."""
    body = _text("removed_body", language).format(address=address)
    return _text("removed_subject", language), body, _html(body)
