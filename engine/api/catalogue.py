"""``/api/v1/node-types``, ``/api/v1/metrics`` and ``/api/v1/health``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from engine.api.auth import Caller, state
from engine.api.schemas import HealthOut, MetricsOut, NodeTypeOut, RollupPoint
from engine.service import NodeType, utcnow

router = APIRouter(tags=["catalogue"])


def _node_type(node_type: NodeType[Any]) -> NodeTypeOut:
    return NodeTypeOut(
        type_id=node_type.type_id,
        display_name=node_type.display_name,
        category=node_type.category.value,
        description=node_type.description,
        outputs=list(node_type.outputs),
        config_schema=node_type.config_model.model_json_schema(),
    )


@router.get("/node-types")
def node_types(request: Request, actor: Caller) -> list[NodeTypeOut]:
    """Every node type, with the JSON Schema of its config."""
    return [_node_type(found) for found in state(request).service.node_types()]


@router.get("/node-types/{type_id}")
def node_type(request: Request, actor: Caller, type_id: str) -> NodeTypeOut:
    """One node type, with the JSON Schema of its config."""
    return _node_type(state(request).service.node_type(type_id))


@router.get("/metrics")
def metrics(
    request: Request,
    actor: Caller,
    metric: str = "emails_by_category",
    since: datetime | None = None,
    until: datetime | None = None,
    key: Annotated[str | None, Query(description="Only this key, e.g. a category.")] = None,
) -> MetricsOut:
    """The hourly rollups the Metrics page reads, for one metric over ``[since, until)``
    (the last 7 days by default), optionally one key (a category); analysts, managers and
    admins."""
    service = state(request).service
    start = since or utcnow() - timedelta(days=7)
    rows = service.rollups(actor, metric, start, until)
    points = [
        RollupPoint(bucket=row.bucket.isoformat(), key=row.key, count=row.count, total=row.total)
        for row in rows
        if key is None or row.key == key
    ]
    return MetricsOut(
        metric=metric,
        since=start.isoformat(),
        until=until.isoformat() if until else None,
        points=points,
        summary=service.status_summary(),
    )


@router.get("/health")
def health(request: Request) -> HealthOut:
    """Whether the API reads the store and a worker is alive (no token needed)."""
    workers = len(state(request).service.live_workers())
    if workers:
        return HealthOut(status="ok", workers_alive=workers, detail="store readable")
    return HealthOut(status="degraded", workers_alive=0, detail="no worker is alive")
