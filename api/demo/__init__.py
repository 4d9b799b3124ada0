"""Demo data for a believable 机关事务管理局; loaded only into an empty database (`python -m api.cli demo`).

Seed data lives here, not in the domain packages: one module per domain, each with
`async def load(session, units) -> None`, run in the order below (later domains refer to earlier ones: the
applications need the catalogue's services, the ratings need completed applications).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from api.demo import applications, catalog, complaints, disclosures, identity, sitepages, surveys
from api.demo.identity import DEMO_USERS, is_empty

__all__ = ["DEMO_USERS", "DOMAIN_LOADERS", "is_empty", "load"]

# Each domain's loader, in the order they run: async def load(session, units) -> None.
DOMAIN_LOADERS = [
    disclosures.load,
    catalog.load,
    applications.load,
    complaints.load,
    surveys.load,
    sitepages.load,
]


async def load(session: AsyncSession, password: str) -> None:
    units = await identity.load(session, password)
    for loader in DOMAIN_LOADERS:
        await loader(session, units)
