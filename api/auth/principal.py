"""The caller as the rest of the app sees it: identity plus role grants scoped to org-unit subtrees."""

from dataclasses import dataclass, field

from api.audit.service import Actor
from api.auth.models import Role, UserKind


@dataclass(frozen=True)
class Grant:
    role: Role
    org_unit_id: int
    path: str  # the unit's materialized path; the grant covers every unit below it


@dataclass(frozen=True)
class Principal:
    id: int
    username: str
    display_name: str
    kind: UserKind
    org_unit_id: int | None
    org_unit_path: str | None
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    # The token was issued while the account had to change its password: it may do only that.
    password_change_required: bool = False

    @property
    def is_staff(self) -> bool:
        return self.kind == UserKind.staff

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def covers(self, role: Role, unit_path: str | None) -> bool:
        """True when a grant of `role` is on this unit or one of its ancestors."""
        if unit_path is None:
            return False
        return any(g.role == role and unit_path.startswith(g.path) for g in self.grants)

    def scope_paths(self, *roles: Role) -> list[str]:
        """Path prefixes of every unit where the caller holds one of `roles`."""
        return sorted({g.path for g in self.grants if g.role in roles})

    def unit_ids(self, *roles: Role) -> list[int]:
        return sorted({g.org_unit_id for g in self.grants if g.role in roles})

    def actor(self, role: Role | None = None) -> Actor:
        label = str(role) if role else ",".join(sorted(str(r) for r in self.roles)) or str(self.kind)
        return Actor(self.id, self.display_name, label)
