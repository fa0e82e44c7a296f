"""The approval queue: one page of it under filters and a search, and each person's saved views.

A saved view is a name and a filter set, kept per person (one list per account) and audited
when saved or deleted. "Me" and "nobody" are kept as words, not names, so a view saved as "mine"
shows whoever opens it their own drafts.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.ai_guard import NEEDS_REVIEW_CATEGORY
from engine.models import GUARD_REASON_KINDS, OTHER_GUARD_REASON, ApprovalStatus
from engine.roles import Actor
from engine.service.approvals import ApprovalOperations
from engine.service.permissions import ControlRefused, NotFound, requires
from engine.store.ports.approvals import QueueOrder, QueuePage, QueueQuery, SlaState
from providers.ai.base import PRIORITY_RANK
from providers.ai.taxonomy import SUPPORT_CATEGORIES

#: Someone whose page marked a draft open this recently still has it open (the page marks it
#: every few seconds while it shows the draft).
VIEWING_WINDOW = timedelta(seconds=30)
#: Marks older than this are dropped.
FORGET_VIEWING = timedelta(hours=1)
#: The assignee filter's words for "the person looking" and "nobody".
ME = "@me"
UNASSIGNED = "@unassigned"
#: A draft due within this is "due soon".
DUE_SOON = timedelta(hours=1)
MAX_PER_PAGE = 100
MAX_VIEWS = 30
MAX_VIEW_NAME = 60
#: The flag filter's reasons: the guard rails' kinds of reason (engine.models.GUARD_REASON_KINDS).
QUEUE_REASONS: tuple[str, ...] = (*(kind for _, kind in GUARD_REASON_KINDS), OTHER_GUARD_REASON)
_VIEWS_KEY = "approval-views:"


class QueueFilters(BaseModel):
    """What the queue is narrowed to (None or empty: anything): the filter set of a view."""

    model_config = ConfigDict(extra="forbid")

    search: str = ""
    category: str | None = None
    priority: str | None = None
    #: True: only drafts held for a person (the guard rails' flag); False: only the others.
    held: bool | None = None
    reason: str | None = None
    #: A person's name, ``ME`` or ``UNASSIGNED``.
    assignee: str | None = None
    sla: SlaState | None = None
    order: QueueOrder = QueueOrder.URGENCY


class SavedView(BaseModel):
    """A person's named filter set."""

    name: str
    filters: QueueFilters
    saved_at: datetime


class _Views(BaseModel):
    views: list[SavedView] = Field(default_factory=list)


class QueueOperations(ApprovalOperations):
    """The queue page and saved views."""

    @requires("view")
    def queue_page(
        self,
        actor: Actor,
        filters: QueueFilters | None = None,
        *,
        page: int = 1,
        per_page: int = 25,
        status: ApprovalStatus | None = ApprovalStatus.PENDING,
    ) -> QueuePage:
        """Page ``page`` (from 1) of the approvals matching ``filters``, with the total.

        A page past the end gives the last page: drafts decided meanwhile shorten the queue.
        """
        filters = filters or QueueFilters()
        if page < 1:
            raise ControlRefused("the page number starts at 1")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ControlRefused(f"a page shows 1 to {MAX_PER_PAGE} drafts")
        if filters.priority is not None and filters.priority not in PRIORITY_RANK:
            raise ControlRefused(f"priority must be one of {', '.join(PRIORITY_RANK)}")
        if filters.reason is not None and filters.reason not in QUEUE_REASONS:
            raise ControlRefused(f"the reason must be one of {', '.join(QUEUE_REASONS)}")
        thresholds = self._guard_thresholds()
        query = QueueQuery(
            status=status,
            search=filters.search.strip(),
            category=filters.category,
            priority=filters.priority,
            held=filters.held,
            reason=filters.reason,
            assignee=actor.name if filters.assignee == ME else filters.assignee,
            unassigned=filters.assignee == UNASSIGNED,
            sla=filters.sla,
            now=self.clock(),
            due_soon=DUE_SOON,
            order=filters.order,
            offset=(page - 1) * per_page,
            limit=per_page,
            min_confidence=thresholds.min_confidence,
            max_frustration=thresholds.max_frustration,
        )
        if query.unassigned:
            query = query.model_copy(update={"assignee": None})
        result = self.store.queue_page(query)
        if result.items or result.total == 0 or page == 1:
            return result
        return self.queue_page(actor, filters, page=result.pages, per_page=per_page, status=status)

    @requires("view")
    def viewing(self, actor: Actor, approval_id: str) -> dict[str, datetime]:
        """Mark ``approval_id`` as open on ``actor``'s page now; who else has it open (seen
        within ``VIEWING_WINDOW``), each with when their page last said so."""
        now = self.clock()
        self.store.mark_viewing(approval_id, actor.name, now, forget_before=now - FORGET_VIEWING)
        others = self.store.list_viewers(approval_id, since=now - VIEWING_WINDOW)
        return {person: seen for person, seen in others.items() if person != actor.name}

    @requires("view")
    def queue_categories(self, actor: Actor) -> list[str]:
        """The categories the queue can be filtered on: the built-in taxonomy and the
        category of emails no model could classify."""
        return [*SUPPORT_CATEGORIES, NEEDS_REVIEW_CATEGORY]

    @requires("view")
    def saved_views(self, actor: Actor) -> list[SavedView]:
        """``actor``'s saved views of the queue, by name."""
        return self._views(actor.name)

    @requires("decide_approval")
    def save_view(self, actor: Actor, name: str, filters: QueueFilters) -> SavedView:
        """Save ``filters`` as ``actor``'s view ``name`` (replacing one of the same name)."""
        name = " ".join(name.split())
        if not name:
            raise ControlRefused("give the view a name")
        if len(name) > MAX_VIEW_NAME:
            raise ControlRefused(f"a view's name is at most {MAX_VIEW_NAME} characters")
        views = self._views(actor.name)
        before = next((view for view in views if view.name == name), None)
        if before is None and len(views) >= MAX_VIEWS:
            raise ControlRefused(f"you have {MAX_VIEWS} views: delete one first")
        saved = SavedView(name=name, filters=filters, saved_at=self.clock())
        kept = [view for view in views if view.name != name]
        self._write_views(actor.name, sorted([*kept, saved], key=lambda view: view.name.casefold()))
        self._audit(
            actor,
            "save_queue_view",
            f"queue-view:{actor.name}:{name}",
            before=None if before is None else before.filters.model_dump(mode="json"),
            after=filters.model_dump(mode="json"),
        )
        return saved

    @requires("decide_approval")
    def delete_view(self, actor: Actor, name: str) -> None:
        """Delete ``actor``'s view ``name``."""
        views = self._views(actor.name)
        found = next((view for view in views if view.name == name), None)
        if found is None:
            raise NotFound(f"you have no view named {name!r}")
        self._write_views(actor.name, [view for view in views if view.name != name])
        self._audit(
            actor,
            "delete_queue_view",
            f"queue-view:{actor.name}:{name}",
            before=found.filters.model_dump(mode="json"),
        )

    def _views(self, person: str) -> list[SavedView]:
        stored = self.store.get_cursor(_VIEWS_KEY + person)
        if stored is None:
            return []
        try:
            return _Views.model_validate(json.loads(stored)).views
        except (ValueError, ValidationError):
            # A list written by a newer version that this one cannot read: start a new one
            # rather than fail the page (saving writes this version's list over it).
            return []

    def _write_views(self, person: str, views: list[SavedView]) -> None:
        self.store.set_cursor(_VIEWS_KEY + person, _Views(views=views).model_dump_json())
