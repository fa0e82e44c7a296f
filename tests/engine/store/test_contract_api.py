"""The HTTP API's part of the Store contract: API tokens, executions by their last change and
pages of executions. Runs on every backend (see ``conftest.py``)."""

from __future__ import annotations

from engine.models import ApiToken, ExecutionStatus
from engine.store.base import Store
from tests.engine.store.test_contract import T0, at, make_execution


def make_token(name: str = "crm", token_hash: str = "a" * 64, **fields: object) -> ApiToken:
    defaults: dict[str, object] = {"role": "manager", "created_at": T0}
    return ApiToken(name=name, token_hash=token_hash, **(defaults | fields))


def test_a_token_is_found_by_its_hash_and_never_twice_by_name_or_hash(store: Store) -> None:
    token = make_token(expires_at=at(60))
    assert store.create_api_token(token)
    assert not store.create_api_token(make_token("crm", "b" * 64))
    assert not store.create_api_token(make_token("other", "a" * 64))
    assert store.find_api_token("a" * 64) == token
    assert store.find_api_token("b" * 64) is None
    assert [t.name for t in store.list_api_tokens()] == ["crm"]


def test_tokens_are_listed_by_name(store: Store) -> None:
    for name, digest in (("zeta", "1"), ("alpha", "2"), ("mid", "3")):
        store.create_api_token(make_token(name, digest * 64))
    assert [t.name for t in store.list_api_tokens()] == ["alpha", "mid", "zeta"]


def test_a_token_is_revoked_once_and_stays_findable(store: Store) -> None:
    store.create_api_token(make_token())
    revoked = store.revoke_api_token("crm", at(5))
    assert revoked is not None and revoked.revoked_at == at(5)
    assert store.revoke_api_token("crm", at(6)) is None
    assert store.revoke_api_token("nobody", at(6)) is None
    found = store.find_api_token("a" * 64)
    assert found is not None and found.revoked_at == at(5)


def test_changed_executions_come_oldest_change_first_from_a_time(store: Store) -> None:
    for execution_id, minute, workflow_id in (
        ("exe_b", 2, "wf_1"),
        ("exe_a", 2, "wf_1"),
        ("exe_c", 1, "wf_1"),
        ("exe_d", 3, "wf_2"),
    ):
        store.create_execution(
            make_execution(
                execution_id=execution_id,
                workflow_id=workflow_id,
                email_id=execution_id,
                created_at=T0,
                updated_at=at(minute),
            )
        )
    changed = store.list_executions_changed(at(2))
    assert [e.execution_id for e in changed] == ["exe_a", "exe_b", "exe_d"]
    assert [e.execution_id for e in store.list_executions_changed(at(0), "wf_1", limit=2)] == [
        "exe_c",
        "exe_a",
    ]


def test_a_control_makes_an_execution_a_change(store: Store) -> None:
    store.create_execution(make_execution(execution_id="exe_1", updated_at=T0))
    assert store.list_executions_changed(at(1)) == []
    store.update_execution_if(
        "exe_1", statuses=[ExecutionStatus.PENDING], changes={"status": ExecutionStatus.PAUSED}
    )
    assert [e.status for e in store.list_executions_changed(at(1))] == [ExecutionStatus.PAUSED]


def test_executions_are_paged_by_the_last_one_seen(store: Store) -> None:
    ids = ["exe_1", "exe_2", "exe_3", "exe_4", "exe_5"]
    for index, execution_id in enumerate(ids):
        # Two share a created_at: the id breaks the tie.
        minute = min(index, 3)
        store.create_execution(
            make_execution(execution_id=execution_id, email_id=execution_id, created_at=at(minute))
        )
    pages: list[list[str]] = []
    before = None
    while True:
        page = store.list_executions(limit=2, before=before)
        if not page:
            break
        pages.append([e.execution_id for e in page])
        before = (page[-1].created_at, page[-1].execution_id)
    assert pages == [["exe_5", "exe_4"], ["exe_3", "exe_2"], ["exe_1"]]


def test_a_tokens_last_use_is_written_at_most_once_in_a_while(store: Store) -> None:
    store.create_api_token(make_token())
    assert store.mark_api_token_used("a" * 64, at(1), unless_since=at(0))
    assert not store.mark_api_token_used("a" * 64, at(2), unless_since=at(1))  # used since
    found = store.find_api_token("a" * 64)
    assert found is not None and found.last_used_at == at(1)
    assert store.mark_api_token_used("a" * 64, at(3), unless_since=at(2))
    [listed] = store.list_api_tokens()
    assert listed.last_used_at == at(3)
    assert not store.mark_api_token_used("b" * 64, at(4), unless_since=at(3))
