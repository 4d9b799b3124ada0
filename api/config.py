"""Settings from the environment (prefix PORTAL_); production refuses unsafe defaults."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'portal.db'}"
    allow_sqlite_in_production: bool = False
    var_dir: Path = ROOT / "var"
    web_dist: Path = ROOT / "web" / "dist"

    # Tokens: ES256 keys. In development a key is generated under var/keys on first start.
    signing_key_file: Path | None = None
    previous_public_key_files: list[Path] = Field(default_factory=list)
    jwt_issuer: str = "zhengwu-portal"
    jwt_audience: str = "zhengwu-portal-api"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    # argon2id parameters, as argon2-cffi's named profiles: RFC 9106's low-memory choice (the library's default).
    # "cheapest" is argon2-cffi's own profile for test suites (hundreds of logins per test run); production
    # refuses it.
    password_hash_profile: Literal["rfc9106_low_memory", "cheapest"] = "rfc9106_low_memory"  # noqa: S105 - not a password

    # Shared rate-limit counters; in-process counters when unset (one worker).
    redis_url: str | None = None
    # Per worker, PostgreSQL only (each worker also keeps up to 8 short-lived side connections).
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=3, ge=0, le=100)
    # The audit chain's MAC key (see api/audit/keys.py): required in production; in development generated as
    # var/keys/audit-*.key. Previous keys stay listed for as long as records they linked exist (forever).
    audit_key_file: Path | None = None
    previous_audit_key_files: list[Path] = Field(default_factory=list)
    # The linker signs a checkpoint of the chain head (ES256, the token signing key) at most this often.
    audit_checkpoint_seconds: int = Field(default=300, ge=1, le=86400)
    # Each worker's cache of anonymous public reads (api/publiccache), in MiB; 0 keeps nothing (the validators
    # and the headers for a cache in front are given all the same).
    response_cache_mb: int = Field(default=64, ge=0, le=4096)
    opentelemetry: bool = False  # FastAPI's built-in spans and metrics (exported by the providers you set up)

    max_upload_bytes: int = 20 * 1024 * 1024
    # An upload not claimed by the application, 依申请公开 form or letter it was made for within this many hours is
    # deleted (and its file, unless another attachment shares the bytes) by the periodic due_jobs.
    unclaimed_upload_hours: float = Field(48.0, gt=0)
    # Markings that block publication in addition to 绝密/机密/秘密/★/内部/涉密/国家秘密.
    classification_markings: list[str] = Field(default_factory=list)
    max_json_body_bytes: int = 2 * 1024 * 1024
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    demo_password: str = "Demo@2026"  # noqa: S105 - demo mode only; production refuses demo accounts
    # A deadline clock reports due_soon when this many working days or fewer are left.
    due_soon_working_days: int = Field(default=3, ge=0, le=30)
    consultation_min_days: int = Field(default=30, ge=1, le=365)  # 征集意见: shortest comment period, days

    # WeChat mini-program (sign-in, subscribe messages, phone number, msg_sec_check): off when no appid is set.
    # The API base is a setting so tests and staging point it at a local server speaking WeChat's API.
    wechat_appid: str | None = None
    wechat_secret: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_miniprogram_state: str = "formal"  # subscribe messages open this version: developer|trial|formal
    wechat_bind_page: str = "pages/bind/index"  # the mini-program page a binding code's QR code opens
    # Email over SMTP (off when no host): the notification channel "email".
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "noreply@portal.invalid"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # SMS through Alibaba Cloud's SMS API (SendSms, RPC signature v1); off when no access key is set.
    sms_api_base: str = "https://dysmsapi.aliyuncs.com"
    sms_access_key_id: str | None = None
    sms_access_key_secret: str | None = None
    sms_sign_name: str = ""
    sms_template_code: str = ""  # one template with ${title} and ${link}
    # Delivery of the outbox: attempts before a message lands in dead-letter, and the first backoff (doubled
    # on each retry).
    delivery_max_attempts: int = Field(default=6, ge=1, le=20)
    delivery_backoff_seconds: float = Field(default=30, ge=0.01, le=3600)
    # WebSub pushes: the first backoff after a subscriber's failure (doubled on each failure in a row).
    websub_backoff_seconds: float = Field(default=10, ge=0.01, le=3600)
    # Run the delivery worker and the periodic jobs inside the API process. Default: on with SQLite (one
    # process), off with PostgreSQL (run `python -m api.cli worker`).
    worker_in_process: bool | None = None
    # The site's identity (api/site.py): what the footer, 联系我们 and the <meta> tags show. The defaults
    # are the demo site's; a real deployment sets its own 网站标识码 and 备案 numbers.
    site_name: str = "某市机关事务管理局"
    site_domain: str = "jgswj.example.gov.cn"
    site_id_code: str = "0000000000"  # 网站标识码, ten digits, issued by the 政府网站 registry
    site_sponsor: str = "某市机关事务管理局"  # 主办单位
    site_organizer: str = "某市机关事务管理局信息中心"  # 承办单位
    site_address: str = "某市某区政务路 1 号"
    site_postcode: str = "000000"
    site_phone: str = "12345（政务服务便民热线）"
    site_email: str = "jgswj@example.gov.cn"
    site_icp_number: str = "某ICP备00000000号"
    site_police_number: str = "某公网安备 00000000000000号"
    site_party_badge_url: str | None = None  # the 党政机关 badge's verification link (conac.cn), when issued

    @field_validator("access_token_ttl_seconds")
    @classmethod
    def _short_access_tokens(cls, v: int) -> int:
        if not 30 <= v <= 900:
            raise ValueError("access tokens must live between 30 and 900 seconds")
        return v

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def runs_worker_in_process(self) -> bool:
        return self.is_sqlite if self.worker_in_process is None else self.worker_in_process

    @property
    def files_dir(self) -> Path:
        return self.var_dir / "files"

    def production_problems(self) -> list[str]:
        """What a production start would refuse, each with the setting that fixes it."""
        problems = []
        if self.signing_key_file is None:
            problems.append(
                "no signing key: set PORTAL_SIGNING_KEY_FILE to an EC P-256 private key in PEM "
                "(python -m api.cli generate-key PATH writes one)"
            )
        elif not self.signing_key_file.is_file():
            problems.append(f"PORTAL_SIGNING_KEY_FILE={self.signing_key_file} does not exist")
        if self.audit_key_file is None:
            problems.append(
                "no audit key: set PORTAL_AUDIT_KEY_FILE to a file of 64 hex digits, mode 0600, kept outside the "
                "database and its backups (python -m api.cli generate-audit-key PATH writes one)"
            )
        elif not self.audit_key_file.is_file():
            problems.append(f"PORTAL_AUDIT_KEY_FILE={self.audit_key_file} does not exist")
        elif self.audit_key_file.stat().st_mode & 0o077:
            problems.append(f"PORTAL_AUDIT_KEY_FILE={self.audit_key_file} is readable by others: chmod 600 it")
        if self.password_hash_profile == "cheapest":  # noqa: S105 - not a password
            problems.append(
                "PORTAL_PASSWORD_HASH_PROFILE=cheapest is for test suites only: unset it (rfc9106_low_memory)"
            )
        if self.is_sqlite and not self.allow_sqlite_in_production:
            problems.append(
                "SQLite in production: set PORTAL_DATABASE_URL to PostgreSQL "
                "(postgresql+asyncpg://...) or PORTAL_ALLOW_SQLITE_IN_PRODUCTION=true"
            )
        return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
