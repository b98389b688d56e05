"""SMS appointment reminders, fr/en.

Only the professional's name and the date and time: an SMS shows on a locked
screen, so no client name and no service (a service such as "psychothérapie"
says more about the person than a reminder needs). Plain ASCII punctuation
keeps the text in the GSM-7 alphabet (é, è, à are GSM-7 too).
"""

from __future__ import annotations

from chalicelib.i18n import in_language

_REMINDER = {
    "fr": "Rappel : vous avez rendez-vous chez {professional} le {when}.",
    "en": "Reminder: you have an appointment with {professional} on {when}.",
}


def reminder_sms(language: str, *, professional: str, when: str) -> str:
    """The reminder text; ``when`` is already formatted for the person."""
    template = in_language(_REMINDER, language)
    return template.format(professional=professional, when=when)
