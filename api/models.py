"""Imports every domain's models so that Base.metadata is complete (Alembic, drift test)."""

from api.applications import models as applications_models
from api.audit import models as audit_models
from api.auth import models as auth_models
from api.calendar import models as calendar_models
from api.captcha import models as captcha_models
from api.cases import models as cases_models
from api.catalog import models as catalog_models
from api.complaints import models as complaints_models
from api.compliance import models as compliance_models
from api.database import Base
from api.disclosure_requests import models as disclosure_request_models
from api.disclosures import models as disclosure_models
from api.files import models as file_models
from api.idempotency import models as idempotency_models
from api.notifications import models as notifications_models
from api.open311 import models as open311_models
from api.partners import models as partners_models
from api.performance import models as performance_models
from api.publiccache import models as publiccache_models
from api.ratings import models as ratings_models
from api.search import models as search_models
from api.sitepages import models as sitepages_models
from api.surveys import models as surveys_models
from api.visits import models as visits_models
from api.websub import models as websub_models
from api.wechat import models as wechat_models

__all__ = ["Base", "applications_models", "audit_models", "auth_models", "calendar_models", "captcha_models",
           "cases_models", "catalog_models", "complaints_models", "compliance_models", "disclosure_models",
           "disclosure_request_models", "file_models", "idempotency_models", "notifications_models", "open311_models",
           "partners_models", "performance_models", "publiccache_models", "ratings_models", "search_models",
           "sitepages_models",
           "surveys_models", "visits_models", "websub_models", "wechat_models"]
