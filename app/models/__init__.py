"""Every model, imported here so the mapper registry and Alembic see them all."""

from app.models.ack_failure import AckFailure
from app.models.alert import ALERT_KINDS, ALERT_STATUSES, DISPOSITIONS, LEVELS, Alert, AlertEvent, most_serious_first
from app.models.audit import AuditEvent
from app.models.center import JURISDICTIONS, Center
from app.models.checkin import CHECK_IN_STATES, CheckIn
from app.models.conversation import SmsConversation
from app.models.device import PLATFORMS, Device
from app.models.escalation import EscalationPolicy, OnCallShift
from app.models.inbound import InboundMessage, LoginFailure
from app.models.notification import NOTIFICATION_STATES, DeliveryAttempt, Notification
from app.models.patient import (
    CHANNELS,
    LANGUAGES,
    PATIENT_STATUSES,
    PRODUCT_DISPLAY,
    PRODUCT_TARGET,
    PRODUCTS,
    EnrollmentCode,
    Patient,
)
from app.models.protocol import Protocol
from app.models.report import Report
from app.models.staff import ROLES, StaffUser
from app.models.token import ApiToken
from app.states import (
    ESCALATING,
    AlertStatus,
    AttemptResult,
    CheckInState,
    ConversationState,
    EscalationState,
    NotificationState,
    PatientStatus,
)

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATUSES",
    "CHANNELS",
    "CHECK_IN_STATES",
    "DISPOSITIONS",
    "ESCALATING",
    "JURISDICTIONS",
    "LANGUAGES",
    "LEVELS",
    "NOTIFICATION_STATES",
    "PATIENT_STATUSES",
    "PLATFORMS",
    "PRODUCTS",
    "PRODUCT_DISPLAY",
    "PRODUCT_TARGET",
    "ROLES",
    "AckFailure",
    "Alert",
    "AlertEvent",
    "AlertStatus",
    "AttemptResult",
    "ApiToken",
    "AuditEvent",
    "Center",
    "CheckIn",
    "CheckInState",
    "ConversationState",
    "DeliveryAttempt",
    "Device",
    "EnrollmentCode",
    "EscalationPolicy",
    "EscalationState",
    "InboundMessage",
    "LoginFailure",
    "Notification",
    "NotificationState",
    "OnCallShift",
    "Patient",
    "PatientStatus",
    "Protocol",
    "Report",
    "SmsConversation",
    "StaffUser",
    "most_serious_first",
]
