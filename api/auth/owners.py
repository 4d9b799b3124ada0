"""What a person owns across the portal, by column: each domain registers the columns that make a user the owner
of a record (an applicant, a letter's writer, an inbox message), so the kernel can fold one account into another
without knowing the domains. Used when the WeChat account our mini-program sign-in made is bound to the website
account of the same person (api.wechat.service.confirm_binding_code): their letters, applications and requests
follow them instead of staying with an account nobody can reach any more."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased


@dataclass(frozen=True)
class OwnerColumn:
    column: Any  # a mapped attribute holding a users.id, e.g. Application.applicant_id
    # Columns that, with this one, are unique (one survey response per user): a record is left where it is when
    # the other account already has one with the same values.
    unique_with: tuple[Any, ...] = ()


_columns: list[OwnerColumn] = []


def register_owner_column(column: Any, unique_with: tuple[Any, ...] = ()) -> None:
    _columns.append(OwnerColumn(column, unique_with))


async def move_owned(session: AsyncSession, from_user: int, to_user: int) -> dict[str, int]:
    """Give every record `from_user` owns to `to_user` (in the caller's transaction); how many per column."""
    moved = {}
    for owner in _columns:
        model = owner.column.class_
        stmt = update(model).where(owner.column == from_user)
        if owner.unique_with:
            other = aliased(model)
            taken = exists(select(1).select_from(other).where(
                getattr(other, owner.column.key) == to_user,
                *[getattr(other, c.key) == c for c in owner.unique_with]))
            stmt = stmt.where(~taken)
        result = await session.execute(stmt.values({owner.column.key: to_user}).execution_options(
            synchronize_session=False))
        count = getattr(result, "rowcount", 0) or 0
        if count:
            moved[f"{model.__tablename__}.{owner.column.key}"] = count
    return moved
