"""What we rely on of Zalo's OA API, in one place: a detail found wrong is a one-line fix here.

Confirmed against public integrations (see the README's Zalo section): events as JSON POSTs
signed with X-ZEvent-Signature, replies through /v3.0/oa/message/cs with an `access_token`
header, tokens renewed through /v4/oa/access_token with a `secret_key` header.
"""

from __future__ import annotations

# --- webhook ---------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-ZEvent-Signature"
# The header reads "mac=<hex>": SHA-256 (a plain hash, not an HMAC) of app_id + raw body +
# timestamp + the OA's secret key, app_id and timestamp as they appear in the body.
SIGNATURE_PREFIX = "mac="
# Zalo delivers again after 30 s, 5 min, 15 min, 30 min and 1 h: an event's own timestamp may
# be nearly two hours old on its last retry. Older ones are refused as replays.
EVENT_MAX_AGE_SECONDS = 3 * 3600
# A clock a little ahead of ours is not an attack.
EVENT_MAX_AHEAD_SECONDS = 300

TEXT_EVENTS = frozenset({"user_send_text"})
# Some integrations document a tap on an oa.query button as its own event.
BUTTON_EVENTS = frozenset({"user_click_button"})
FOLLOW_EVENTS = frozenset({"follow"})
# A citizen sent something that is not text: nudged to answer with the buttons or text.
OTHER_MESSAGE_PREFIX = "user_send_"
# Everything else (user_received_message, user_seen_message, oa_send_*, unfollow...) is
# acknowledged and ignored: the delivery events even have the OA as their sender.

# --- sending ---------------------------------------------------------------------------------

SEND_PATH = "/v3.0/oa/message/cs"
TOKEN_HEADER = "access_token"
MAX_BUTTONS = 5
BUTTON_TITLE_CHARS = 100
# A consultation message's text; a longer one is refused.
TEXT_CHARS = 2000
# A button whose payload the user sends as a message (hidden: the chat shows the title).
BUTTON_TYPE = "oa.query.hide"
# Our buttons' payloads start with this, so a tap is told apart from typed text.
PAYLOAD_PREFIX = "#hl:"

OK = 0
# The access token is invalid or expired: refresh once and send again.
TOKEN_ERRORS = frozenset({-216, -220})
# Rate or quota: send again later.
RATE_ERRORS = frozenset({-32, -211})
# The user does not follow the OA, or is outside the interaction window: give up on the
# message (sending it again would only be refused again).
FINAL_ERRORS = frozenset({-213, -230, -232})

# --- tokens ----------------------------------------------------------------------------------

TOKEN_PATH = "/v4/oa/access_token"
APP_SECRET_HEADER = "secret_key"
GRANT_TYPE = "refresh_token"
# An access token lasts about 25 hours; renew it when less than this is left.
RENEW_BEFORE_SECONDS = 3600
# What we assume of a token whose lifetime we were not told (the first pair, from settings).
ASSUMED_LIFETIME_SECONDS = 3600
