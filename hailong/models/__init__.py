"""ORM models, one file per table."""

from hailong.models.account import Account, Role
from hailong.models.api_token import ApiToken
from hailong.models.audit_entry import AuditEntry
from hailong.models.base import Base
from hailong.models.channel_credential import ChannelCredential
from hailong.models.chat import ChatLanguage
from hailong.models.counter import Counter, CounterToken
from hailong.models.enumerator import EnumeratorTie, EnumeratorUnit
from hailong.models.enums import Channel, ResponseStatus, ReviewState, TokenState, UnitLevel
from hailong.models.invitation import Invitation
from hailong.models.login_session import LoginSession
from hailong.models.outbox import OutboxMessage, OutboxState
from hailong.models.period import Period, Quota
from hailong.models.poster_job import PosterJob, PosterJobState
from hailong.models.procedure import Procedure, procedure_unit
from hailong.models.questionnaire import QuestionnaireVersion
from hailong.models.reference_version import ReferenceVersion
from hailong.models.response import Answer, InboundEvent, Response
from hailong.models.tally import Tally, UnitTally
from hailong.models.unit import Unit

__all__ = [
    "Account",
    "Answer",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Channel",
    "ChannelCredential",
    "ChatLanguage",
    "Counter",
    "CounterToken",
    "EnumeratorTie",
    "EnumeratorUnit",
    "InboundEvent",
    "Invitation",
    "LoginSession",
    "OutboxMessage",
    "OutboxState",
    "Period",
    "PosterJob",
    "PosterJobState",
    "Procedure",
    "QuestionnaireVersion",
    "Quota",
    "ReferenceVersion",
    "Response",
    "ResponseStatus",
    "ReviewState",
    "Role",
    "Tally",
    "TokenState",
    "Unit",
    "UnitLevel",
    "UnitTally",
    "procedure_unit",
]
