"""Which pages each role sees, in the order they see them (the first is their home)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.service import Role

ALL = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    name: str
    title: str
    icon: str
    roles: frozenset[Role]

    @property
    def path(self) -> str:
        return f"pages/{self.name}.py"


PAGES: dict[str, PageSpec] = {
    spec.name: spec
    for spec in (
        PageSpec(
            "workflow",
            "Workflow",
            ":material/account_tree:",
            frozenset({Role.ADMIN, Role.MANAGER}),
        ),
        PageSpec(
            "executions",
            "Live executions",
            ":material/bolt:",
            frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
        ),
        PageSpec(
            "approvals",
            "Approvals",
            ":material/fact_check:",
            frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT}),
        ),
        PageSpec(
            "metrics",
            "Metrics",
            ":material/monitoring:",
            frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST}),
        ),
        PageSpec("settings", "Settings", ":material/settings:", frozenset({Role.ADMIN})),
    )
}

HOME: dict[Role, str] = {
    Role.ADMIN: "workflow",
    Role.MANAGER: "workflow",
    Role.AGENT: "approvals",
    Role.ANALYST: "metrics",
}


def pages_for(role: Role) -> list[PageSpec]:
    """The pages ``role`` uses, its home page first."""
    home = PAGES[HOME[role]]
    return [home] + [spec for spec in PAGES.values() if role in spec.roles and spec != home]
