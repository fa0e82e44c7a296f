"""The only door into the engine, for the app, the workers' command line and the HTTP services.

``compose()`` builds a process's settings, store, providers and :class:`MailroomService`; pages
and ``ui`` import nothing from the engine but this package, which also re-exports the shared
vocabulary they speak (models, roles, errors, metric names, the built-in taxonomy, workflow
edits). Operations are grouped by audience in the modules beside this one, each operation's
permission declared once (:mod:`engine.service.permissions`).
"""

from engine.accounts import AccountBook
from engine.adapters.checks import ConnectionReport
from engine.delivery_log import PAGE_LIMIT as DELIVERY_PAGE_LIMIT
from engine.delivery_log import DeliveryOutcome, DeliveryPage, DeliveryRecord
from engine.dry_run import (
    MAX_DRY_RUN_EMAILS,
    ApprovalAssumption,
    DryRunReport,
    DryRunSummary,
    EmailChoice,
    EmailTrace,
)
from engine.encryption import GENERATE_KEY_COMMAND
from engine.mail.bulk_import import ImportRefused
from engine.models import (
    ApiToken,
    Approval,
    ApprovalStatus,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeExecution,
    NodeStatus,
    NodeStatusCount,
    RollupRow,
    Workflow,
    WorkflowNode,
    WorkflowStatus,
    utcnow,
)
from engine.nodes.base import APPLIES_WHEN, NodeCategory, NodeType
from engine.nodes.registry import UnknownNodeType
from engine.ops.backfill import BackfillProgress, BackfillRefused
from engine.ops.retrain import RetrainReport
from engine.roles import Actor, Role
from engine.rollups import (
    AUTOMATIC,
    BY_PERSON,
    DRAFT_EDIT_SHARE,
    FIRST_RESPONSE,
    NODE_LATENCY_HISTOGRAM,
    REPLIES_SENT,
    SLA,
)
from engine.service.administration import SignInResult, SourceHealthRow
from engine.service.approvals import BulkResult
from engine.service.composition import Mailroom, compose
from engine.service.executions import RETRY_MODES, RetryMode
from engine.service.history import HISTORY_LIMIT, CustomerHistory, HistoryEntry
from engine.service.mailroom import MailroomService
from engine.service.message import EmailPayload
from engine.service.metrics import HeldForPerson, NodeLatency, SlaCompliance
from engine.service.permissions import (
    OPERATIONS,
    PERMISSIONS,
    Conflict,
    ControlRefused,
    NotFound,
    PermissionDenied,
    TokenRefused,
    allowed,
)
from engine.service.queue import ME, QUEUE_REASONS, UNASSIGNED, QueueFilters, SavedView
from engine.service.tokens import TOKEN_PREFIX
from engine.sessions import COOKIE_NAME, SessionKeeper, SessionSecretError
from engine.settings import Settings, SettingsError, load_settings
from engine.store.base import StoreError, WorkflowNotFound
from engine.store.ports.approvals import QueueOrder, QueuePage, SlaState
from engine.workflow_edit import (
    WorkflowRejected,
    with_connection,
    with_node_added,
    with_node_added_after,
    without_connection,
    without_node,
)
from providers.ai.base import PRIORITY_RANK
from providers.ai.taxonomy import SUPPORT_TAXONOMY
from providers.email.sanitise import sanitise_for_display, sanitise_html

__all__ = [
    "APPLIES_WHEN",
    "AUTOMATIC",
    "BY_PERSON",
    "COOKIE_NAME",
    "DELIVERY_PAGE_LIMIT",
    "DRAFT_EDIT_SHARE",
    "FIRST_RESPONSE",
    "GENERATE_KEY_COMMAND",
    "HISTORY_LIMIT",
    "MAX_DRY_RUN_EMAILS",
    "ME",
    "NODE_LATENCY_HISTOGRAM",
    "OPERATIONS",
    "PERMISSIONS",
    "PRIORITY_RANK",
    "QUEUE_REASONS",
    "REPLIES_SENT",
    "RETRY_MODES",
    "SLA",
    "SUPPORT_TAXONOMY",
    "TOKEN_PREFIX",
    "UNASSIGNED",
    "AccountBook",
    "Actor",
    "ApiToken",
    "Approval",
    "ApprovalAssumption",
    "ApprovalStatus",
    "BackfillProgress",
    "BackfillRefused",
    "BulkResult",
    "Conflict",
    "ConnectionReport",
    "ControlRefused",
    "CustomerHistory",
    "DeliveryOutcome",
    "DeliveryPage",
    "DeliveryRecord",
    "DryRunReport",
    "DryRunSummary",
    "Email",
    "EmailChoice",
    "EmailPayload",
    "EmailTrace",
    "ExecutionLog",
    "ExecutionStatus",
    "HeldForPerson",
    "HistoryEntry",
    "ImportRefused",
    "Mailroom",
    "MailroomService",
    "NodeCategory",
    "NodeExecution",
    "NodeLatency",
    "NodeStatus",
    "NodeStatusCount",
    "NodeType",
    "NotFound",
    "PermissionDenied",
    "QueueFilters",
    "QueueOrder",
    "QueuePage",
    "RetrainReport",
    "RetryMode",
    "Role",
    "RollupRow",
    "SavedView",
    "SessionKeeper",
    "SessionSecretError",
    "Settings",
    "SettingsError",
    "SignInResult",
    "SlaCompliance",
    "SlaState",
    "SourceHealthRow",
    "StoreError",
    "TokenRefused",
    "UnknownNodeType",
    "Workflow",
    "WorkflowNode",
    "WorkflowNotFound",
    "WorkflowRejected",
    "WorkflowStatus",
    "allowed",
    "compose",
    "load_settings",
    "sanitise_for_display",
    "sanitise_html",
    "utcnow",
    "with_connection",
    "with_node_added",
    "with_node_added_after",
    "without_connection",
    "without_node",
]
