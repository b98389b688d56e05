"""Emails about a portal account's addresses ("+ Courriel"), in French and English.

Each function returns an ``Email`` (i18n/mail.py). Addresses are shown as the
person typed them; the HTML part escapes everything that comes from people.
"""

from __future__ import annotations

from html import escape

from chalicelib.i18n import in_language
from chalicelib.i18n.mail import Email

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
            "L'adresse {address} a été retirée de votre compte du portail client : elle "
            "ne donne plus accès à ce compte. Si un professionnel la connaît, vous connecter "
            "avec elle créera un nouveau compte, distinct de celui-ci, à partir de son "
            "dossier. Si ce n'est pas vous, communiquez avec votre professionnel."
        ),
        "en": (
            "The address {address} was removed from your client portal account: it no "
            "longer gives access to this account. If a professional has it on file, signing "
            "in with it creates a new account, separate from this one, from their record. "
            "If this was not you, contact your professional."
        ),
    },
    "deletion_code_subject": {
        "fr": "Code pour supprimer votre compte du portail client : {code}",
        "en": "Code to delete your client portal account: {code}",
    },
    "deletion_code_body": {
        "fr": (
            "Pour supprimer votre compte du portail client, entrez ce code : {code}\n\n"
            "Il est valide {minutes} minutes. Si vous n'avez rien demandé, ignorez ce "
            "message et fermez les connexions actives que vous ne reconnaissez pas."
        ),
        "en": (
            "To delete your client portal account, enter this code: {code}\n\n"
            "It is valid for {minutes} minutes. If you did not ask for it, ignore this "
            "message and end the active sessions you do not recognise."
        ),
    },
    "deleted_subject": {
        "fr": "Votre compte du portail client a été supprimé",
        "en": "Your client portal account was deleted",
    },
    "deleted_body": {
        "fr": (
            "Votre compte du portail client ({address}) a été supprimé, avec votre profil, "
            "votre photo, vos connexions et votre historique d'activité.\n\n"
            "Vos dossiers et vos rendez-vous chez vos professionnels ne sont pas touchés : "
            "ils leur appartiennent. Vous pouvez vous reconnecter en tout temps avec "
            "cette adresse ; un nouveau compte sera créé."
        ),
        "en": (
            "Your client portal account ({address}) was deleted, with your profile, "
            "photo, sessions and activity history.\n\n"
            "Your records and appointments with your professionals are not affected: "
            "they belong to them. You can sign in again at any time with this "
            "address; a new account will be created."
        ),
    },
}


def _text(key: str, language: str) -> str:
    return in_language(_TEXTS[key], language)


def _html(body: str) -> str:
    paragraphs = "".join(f"<p>{escape(part)}</p>" for part in body.split("\n\n"))
    return f"<!doctype html><html><body>{paragraphs}</body></html>"


def verification_code(language: str, *, address: str, code: str, minutes: int) -> Email:
    """The code that confirms a new address, sent to that address."""
    subject = _text("code_subject", language).format(code=code)
    body = _text("code_body", language).format(address=address, code=code, minutes=minutes)
    return Email(subject, body, _html(body))


def address_added(language: str, *, address: str) -> Email:
    """Notice to the account's other addresses that ``address`` was added."""
    body = _text("added_body", language).format(address=address)
    return Email(_text("added_subject", language), body, _html(body))


def address_removed(language: str, *, address: str) -> Email:
    """Notice to the removed address."""
    body = _text("removed_body", language).format(address=address)
    return Email(_text("removed_subject", language), body, _html(body))


def deletion_code(language: str, *, code: str, minutes: int) -> Email:
    """The code that confirms deleting the account, sent to the session's address."""
    subject = _text("deletion_code_subject", language).format(code=code)
    body = _text("deletion_code_body", language).format(code=code, minutes=minutes)
    return Email(subject, body, _html(body))


def account_deleted(language: str, *, address: str) -> Email:
    """Confirmation to every verified address of a deleted account."""
    body = _text("deleted_body", language).format(address=address)
    return Email(_text("deleted_subject", language), body, _html(body))
