from api.auth.models import RoleGrant, User
from api.auth.schemas import GrantRead, UserRead


def grant_read(g: RoleGrant, user_display_name: str | None = None) -> GrantRead:
    return GrantRead(id=g.id, user_id=g.user_id, user_display_name=user_display_name, role=g.role,
                     org_unit_id=g.org_unit_id, org_unit_name=g.org_unit.name, created_at=g.created_at)


def user_read(user: User) -> UserRead:
    """Needs `grants.org_unit` and `org_unit` loaded."""
    return UserRead(
        id=user.id, username=user.username, display_name=user.display_name, kind=user.kind,
        org_unit_id=user.org_unit_id, org_unit_name=user.org_unit.name if user.org_unit else None,
        email=user.email, phone=user.phone, is_active=user.is_active,
        must_change_password=user.must_change_password, created_at=user.created_at,
        roles=[grant_read(g, user.display_name) for g in user.grants],
    )
