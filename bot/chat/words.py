"""What the bot says, in any chat app: greetings, thanks, nudges and polite refusals.

Each takes a gettext function for the citizen's language. Plain text (no markup), so nothing
a questionnaire author writes can break a message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hailong.counters.service import ReplacedCounterCode, RevokedCounterCode, UnknownCounter
from hailong.errors import HailongError
from hailong.i18n import LANGUAGES, N_, Catalogs
from hailong.periods.service import NoPeriod, PeriodClosed, PeriodNotOpen
from hailong.responses.service import ResponseFinished
from hailong.survey.service import CONTROL, NotAskedNow, TooManyRespondentStarts

Gettext = Callable[[str], str]


def welcome(unit_name: str, _: Gettext) -> str:
    return _(
        "Hello! This is the satisfaction survey of {unit}. One tap per answer; it takes about "
        "five minutes. Send /huy to stop, /ngonngu for English."
    ).format(unit=unit_name)


def welcome_back(_: Gettext) -> str:
    return _("Welcome back! Let us continue where you stopped.")


def ask_for_code(_: Gettext) -> str:
    return _(
        "Hello! Please type the counter code printed under the QR code at the counter "
        "(6 letters and digits), or scan the QR code with your phone's camera."
    )


def thanks(_: Gettext) -> str:
    return _("Thank you for taking part in the survey! Your answers have been recorded.")


def thanks_screened_out(_: Gettext) -> str:
    return _(
        "Thank you! This survey is for people who have received the result of a procedure at "
        "this office since 1 January, so there is nothing more to answer."
    )


def cancelled(_: Gettext) -> str:
    return _(
        "The survey has been cancelled and your answers will not be counted. To start again, "
        "type the counter code or scan the QR code."
    )


def nothing_to_cancel(_: Gettext) -> str:
    return _("You have no survey in progress.")


def language_switched(_: Gettext) -> str:
    # Said in the new language, so the Vietnamese catalog says "Vietnamese" here.
    return _("From now on the survey is in English.")


def already_answered(_: Gettext) -> str:
    return _("This question has already been answered.")


def tap_a_button(_: Gettext) -> str:
    return _("Please tap one of the buttons under the question.")


def send_text(_: Gettext) -> str:
    return _("Please answer with the buttons or a text message.")


# Why an answer was refused (survey_flows.Invalid.reason, and the session's), in chat words.
INVALID_ANSWER = {
    "required": N_("Please answer this question."),
    "not_an_option": N_("Please tap one of the buttons under the question."),
    "too_long": N_("Please keep your answer under {limit} characters."),
    "too_many": N_("You can choose at most {limit}."),
    "duplicate": N_("Please choose each answer only once."),
    CONTROL: N_("Please use only ordinary text in your answer."),
}

# The core's polite errors, in chat words (a chat user types a code rather than scans).
REFUSALS: dict[type[HailongError], str] = {
    UnknownCounter: N_(
        "We could not find a counter with this code. Please check the code printed under "
        "the QR code and type it again."
    ),
    ReplacedCounterCode: N_(
        "This code has been replaced by a new one. Please use the code on the new poster at "
        "the counter."
    ),
    RevokedCounterCode: N_(
        "This code is no longer in use. Please ask at the counter for the current one."
    ),
    PeriodNotOpen: N_("The survey is not open yet. It opens on {start}."),
    PeriodClosed: N_("The survey has closed. It ran from {start} to {end}."),
    NoPeriod: N_("No survey is running at the moment."),
    ResponseFinished: N_("This survey has already been sent. Thank you!"),
    NotAskedNow: N_("This question has already been answered."),
    TooManyRespondentStarts: N_(
        "You have started several surveys at this counter in the last hour. "
        "Please try again a little later."
    ),
}


TOO_MANY_GUESSES = N_(
    "You have typed several codes that do not exist. Please wait ten minutes, then type "
    "the code printed under the QR code at the counter."
)


def too_many_guesses(catalogs: Catalogs) -> str:
    """In Vietnamese first, then English: it may come before any language was chosen."""
    texts = [catalogs.get(language).gettext(TOO_MANY_GUESSES) for language in LANGUAGES]
    return "\n\n".join(dict.fromkeys(texts))


def invalid_text(reason: str, limit: int | None, _: Gettext) -> str:
    return _(INVALID_ANSWER.get(reason, INVALID_ANSWER["not_an_option"])).format(limit=limit)


def refusal_text(error: HailongError, _: Gettext) -> str:
    message = next(
        (text for kind, text in REFUSALS.items() if isinstance(error, kind)),
        N_("Sorry, something is not right. Please try again."),
    )
    params = {
        key: value.strftime("%d/%m/%Y") if isinstance(value, date) else value
        for key, value in error.params.items()
    }
    return _(message).format(**params)


def refusal_in_both(error: HailongError, catalogs: Catalogs) -> str:
    """A refusal in Vietnamese first, English second: it often comes before any language
    was chosen (an old poster's code, a closed period)."""
    texts = [refusal_text(error, catalogs.get(language).gettext) for language in LANGUAGES]
    return "\n\n".join(dict.fromkeys(texts))
