"""Error messages shown to people, by error code, in French and English."""

from __future__ import annotations

from chalicelib.i18n import in_language

MESSAGES: dict[str, dict[str, str]] = {
    "malformed_request": {
        "fr": "La requête est mal formée.",
        "en": "The request is malformed.",
    },
    "invalid_json": {
        "fr": "Le corps de la requête n'est pas du JSON valide.",
        "en": "The request body is not valid JSON.",
    },
    "unauthenticated": {
        "fr": "Veuillez vous connecter.",
        "en": "Please sign in.",
    },
    "invalid_code": {
        "fr": "Ce code est invalide ou expiré.",
        "en": "This code is invalid or has expired.",
    },
    "too_many_attempts": {
        "fr": "Trop d'essais : demandez un nouveau code.",
        "en": "Too many attempts: request a new code.",
    },
    "forbidden": {"fr": "Accès refusé.", "en": "Access denied."},
    "not_found": {"fr": "Introuvable.", "en": "Not found."},
    "route_not_found": {
        "fr": "Cette adresse n'existe pas.",
        "en": "This address does not exist.",
    },
    "method_not_allowed": {
        "fr": "Cette méthode n'est pas permise ici.",
        "en": "This method is not allowed here.",
    },
    "conflict": {"fr": "Conflit.", "en": "Conflict."},
    "version_conflict": {
        "fr": (
            "Votre profil a été modifié ailleurs entre-temps. "
            "Rechargez-le, puis enregistrez de nouveau."
        ),
        "en": "Your profile was changed elsewhere in the meantime. Reload it, then save again.",
    },
    "email_already_added": {
        "fr": "Cette adresse est déjà dans votre compte.",
        "en": "This address is already on your account.",
    },
    "email_in_use": {
        "fr": "Cette adresse appartient déjà à un autre compte.",
        "en": "This address already belongs to another account.",
    },
    "last_email": {
        "fr": "Vous devez garder au moins une adresse confirmée. Ajoutez-en une autre d'abord.",
        "en": "You must keep at least one confirmed address. Add another one first.",
    },
    "too_many_pending_emails": {
        "fr": "Trop d'adresses en attente de confirmation.",
        "en": "Too many addresses awaiting confirmation.",
    },
    "payload_too_large": {
        "fr": "Le contenu envoyé est trop volumineux.",
        "en": "What was sent is too large.",
    },
    "unsupported_media_type": {
        "fr": "Ce type de fichier n'est pas accepté (JPEG, PNG ou WebP seulement).",
        "en": "This file type is not accepted (JPEG, PNG or WebP only).",
    },
    "validation_failed": {
        "fr": "Certains champs ne sont pas valides.",
        "en": "Some fields are not valid.",
    },
    "image_too_large": {
        "fr": "L'image a trop de pixels.",
        "en": "The image has too many pixels.",
    },
    "rate_limited": {
        "fr": "Trop de demandes. Réessayez un peu plus tard.",
        "en": "Too many requests. Try again a little later.",
    },
    "unavailable": {
        "fr": "Service momentanément indisponible. Rien n'a été perdu ; réessayez.",
        "en": "Service temporarily unavailable. Nothing was lost; please try again.",
    },
    "internal_error": {
        "fr": "Une erreur inattendue est survenue.",
        "en": "An unexpected error occurred.",
    },
    "photo_changed": {
        "fr": "La photo a été modifiée ailleurs entre-temps. Rechargez la page, puis réessayez.",
        "en": "The photo was changed elsewhere in the meantime. Reload the page, then try again.",
    },
}


def message(code: str, language: str) -> str:
    texts = MESSAGES.get(code) or MESSAGES["malformed_request"]
    return in_language(texts, language)
