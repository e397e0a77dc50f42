"""The invitation e-mail: polite Vietnamese first, English below, as plain text and HTML.

Written by the sender when it sends (the outbox keeps only what is needed to write it), so
the link's token exists in the e-mail and nowhere in the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from html import escape
from typing import Any

from hailong.i18n import N_, Catalogs

SUBJECT = N_("How were you served? A short survey from {unit}")
GREETING = N_("Dear citizen,")
SETTLED = N_(
    "The result of your dossier {dossier} ({procedure}) has been issued by {unit}. We would "
    "be grateful if you told us how you were served: the survey takes about five minutes "
    "and does not ask for your name."
)
OPEN = N_("Open the survey")
VALID_UNTIL = N_("The link is yours alone; it works until {date} and can be answered once.")
THANKS = N_("Thank you for helping the office serve people better.")
UNSUBSCRIBE = N_(
    "You receive this e-mail once, for this dossier only. To receive no more survey "
    'e-mails, reply with the word "unsubscribe".'
)


def invitation_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/i/{token}"


def compose(
    payload: Mapping[str, Any],
    *,
    link: str,
    sender: str,
    recipient: str,
    idempotency_key: str,
    catalogs: Catalogs,
) -> EmailMessage:
    params = {
        "unit": str(payload["unit_name"]),
        "dossier": str(payload["dossier_id"]),
        "procedure": str(payload["procedure_name"]),
        "date": _vietnamese_date(str(payload["expires_on"])),
    }
    message = EmailMessage()
    message["Subject"] = catalogs.gettext("vi", SUBJECT).format(**params)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    # The same id at every attempt: a server that got the e-mail before sees it again.
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
    message["Message-ID"] = f"<{digest}@{sender.rpartition('@')[2] or 'localhost'}>"
    message["List-Unsubscribe"] = f"<mailto:{sender}?subject=unsubscribe>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_plain(catalogs, params, link))
    message.add_alternative(_html(catalogs, params, link), subtype="html")
    return message


def _paragraphs(catalogs: Catalogs, language: str, params: Mapping[str, str]) -> list[str]:
    return [
        catalogs.gettext(language, GREETING),
        catalogs.gettext(language, SETTLED).format(**params),
        catalogs.gettext(language, VALID_UNTIL).format(**params),
        catalogs.gettext(language, THANKS),
    ]


def _plain(catalogs: Catalogs, params: Mapping[str, str], link: str) -> str:
    parts: list[str] = []
    for language in ("vi", "en"):
        text = _paragraphs(catalogs, language, params)
        parts += [*text[:2], f"{catalogs.gettext(language, OPEN)}: {link}", *text[2:], ""]
        if language == "vi":
            parts.append("----")
    parts.append(catalogs.gettext("vi", UNSUBSCRIBE))
    parts.append(catalogs.gettext("en", UNSUBSCRIBE))
    return "\n\n".join(parts) + "\n"


def _html(catalogs: Catalogs, params: Mapping[str, str], link: str) -> str:
    href = escape(link, quote=True)
    blocks: list[str] = []
    for language in ("vi", "en"):
        text = [escape(p) for p in _paragraphs(catalogs, language, params)]
        button = f'<p><a href="{href}">{escape(catalogs.gettext(language, OPEN))}</a></p>'
        blocks.append(
            f'<div lang="{language}">'
            + "".join(f"<p>{p}</p>" for p in text[:2])
            + button
            + "".join(f"<p>{p}</p>" for p in text[2:])
            + "</div>"
        )
    footer = "".join(
        f'<p lang="{lang}"><small>{escape(catalogs.gettext(lang, UNSUBSCRIBE))}</small></p>'
        for lang in ("vi", "en")
    )
    return (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><body>'
        + "<hr>".join(blocks)
        + footer
        + "</body></html>"
    )


def _vietnamese_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
