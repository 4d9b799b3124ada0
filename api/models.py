"""Imports every domain's models so that Base.metadata is complete (Alembic, drift test)."""

from api.applications import models as applications_models
from api.audit import models as audit_models
from api.auth import models as auth_models
from api.calendar import models as calendar_models
from api.catalog import models as catalog_models
from api.database import Base
from api.files import models as files_models
from api.idempotency import models as idempotency_models
from api.notifications import models as notifications_models
from api.ratings import models as ratings_models

__all__ = ["Base", "applications_models", "audit_models", "auth_models", "calendar_models", "catalog_models",
           "files_models", "idempotency_models", "notifications_models", "ratings_models"]
