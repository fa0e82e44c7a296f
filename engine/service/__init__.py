"""The only door into the engine, for the app, the workers' command line and the HTTP services.

``compose()`` builds a process's settings, store, providers and :class:`MailroomService`; pages
and ``ui`` import nothing from the engine but this package, which also re-exports the shared
vocabulary they speak (models, roles, errors, metric names, the built-in taxonomy, workflow
edits). Operations are grouped by audience in the modules beside this one, each operation's
permission declared once (:mod:`engine.service.permissions`).
"""

from engine.accounts import AccountBook
from engine.encryption import GENERATE_KEY_COMMAND
from engine.mail.bulk_import import ImportRefused
from engine.models import (
    Approval,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    NodeStatusCount,
    RollupRow,
    Workflow,
    WorkflowNode,
    WorkflowStatus,
    utcnow,
)
from engine.nodes.base import NodeCategory, NodeType
from engine.ops.backfill import BackfillProgress, BackfillRefused
from engine.ops.retrain import RetrainReport
from engine.roles import Actor, Role
from engine.rollups import DRAFT_EDIT_SHARE, FIRST_RESPONSE, NODE_LATENCY_HISTOGRAM, SLA
from engine.service.administration import SourceHealthRow
from engine.service.approvals import BulkResult
from engine.service.composition import Mailroom, compose
from engine.service.executions import RETRY_MODES, RetryMode
from engine.service.mailroom import MailroomService
from engine.service.metrics import HeldForPerson, NodeLatency
from engine.service.permissions import (
    OPERATIONS,
    PERMISSIONS,
    ControlRefused,
    PermissionDenied,
    allowed,
)
from engine.settings import Settings, SettingsError, load_settings
from engine.store.base import StoreError
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
from providers.email.sanitise import sanitise_html

__all__ = [
    "DRAFT_EDIT_SHARE",
    "FIRST_RESPONSE",
    "GENERATE_KEY_COMMAND",
    "NODE_LATENCY_HISTOGRAM",
    "OPERATIONS",
    "PERMISSIONS",
    "PRIORITY_RANK",
    "RETRY_MODES",
    "SLA",
    "SUPPORT_TAXONOMY",
    "AccountBook",
    "Actor",
    "Approval",
    "BackfillProgress",
    "BackfillRefused",
    "BulkResult",
    "ControlRefused",
    "Email",
    "ExecutionLog",
    "ExecutionStatus",
    "HeldForPerson",
    "ImportRefused",
    "Mailroom",
    "MailroomService",
    "NodeCategory",
    "NodeLatency",
    "NodeStatus",
    "NodeStatusCount",
    "NodeType",
    "PermissionDenied",
    "RetrainReport",
    "RetryMode",
    "Role",
    "RollupRow",
    "Settings",
    "SettingsError",
    "SourceHealthRow",
    "StoreError",
    "Workflow",
    "WorkflowNode",
    "WorkflowRejected",
    "WorkflowStatus",
    "allowed",
    "compose",
    "load_settings",
    "sanitise_html",
    "utcnow",
    "with_connection",
    "with_node_added",
    "with_node_added_after",
    "without_connection",
    "without_node",
]
