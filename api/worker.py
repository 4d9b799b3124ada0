"""The job queue: procrastinate on PostgreSQL (its tables in a schema of their own, "procrastinate"), the same
work in-process on SQLite. `python -m api.cli worker` runs a worker; with SQLite the API process runs one itself
(PORTAL_WORKER_IN_PROCESS, see api/config.py).

Jobs:
* ``relay`` (every 2 s): fan the undispatched notifications out into deliveries and queue a ``deliver`` job
  for every delivery that is due (new, or a retry whose backoff has passed; a queueing lock per delivery keeps
  one queued job each). A delivery whose worker died mid-send is still due, so it is queued again: nothing is
  lost, and the row lock in api.notifications.outbox.attempt keeps it from being sent twice.
* ``deliver(delivery_id)``: one attempt (api.notifications.outbox.attempt).
* ``websub(job_id)``: one attempt at one WebSub job (intent verification or delivery, api.websub.service.attempt),
  queued by ``relay`` like the deliveries: every due row of the hub's outbox, a queueing lock per row.
* ``due_jobs`` (every 5 min): the due-soon/overdue reminders of every case type whose workflow names its
  reminders, driven from the deadline clocks (api.cases.reminders: applications, disclosure requests,
  rectifications, letters and their reopened clocks), and the letters left unrated completed as satisfied
  (api.complaints.reminders; also the CLI `complaints-jobs`). And 依申请公开's lapsed 补正 and 收费 deadlines
  (closed) and unanswered consultations (the clock runs again), see api/disclosure_requests/deadlines.py. Each
  domain's work in its own transaction. Last, uploads no application, 依申请公开 form or letter claimed within
  PORTAL_UNCLAIMED_UPLOAD_HOURS are deleted, and their files once no other attachment shares the bytes.
* ``flush_visits`` (every 10 s): the page-view counts the API processes put in Redis, written to page_views
  (api.visits; was a worker-lifetime task in every API process).
* ``compliance_daily`` (hourly): the compliance radar's link check and daily snapshot, once per Shanghai day
  (api.compliance.jobs; was a worker-lifetime task in every API process).

On SQLite the in-process worker runs the same periodic work (periodic_once) every 5 minutes, and the visit flush
every 10 seconds."""

import asyncio
import logging
from datetime import timedelta

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from api import models  # noqa: F401  (every case model mapped: the reminders find a clock's case through them)
from api.applications.service import UPLOAD_OWNER as APPLICATION_UPLOADS
from api.cases import reminders
from api.complaints.reminders import run_due_jobs
from api.complaints.submission import discard_unclaimed_uploads
from api.compliance import jobs as compliance_jobs
from api.config import get_settings
from api.database import begin_write, get_engine, get_sessionmaker, utcnow
from api.disclosure_requests import deadlines as disclosure_deadlines
from api.disclosure_requests.service import UPLOAD_FILES as DISCLOSURE_REQUEST_UPLOADS
from api.disclosures.service import render_feed
from api.files import service as files
from api.notifications import outbox
from api.tasks import BackgroundTask
from api.visits import jobs as visit_jobs
from api.websub import service as websub

log = logging.getLogger(__name__)
SCHEMA = "procrastinate"
QUEUE = "notifications"

jobs = procrastinate.Blueprint()


@jobs.task(name="deliver", queue=QUEUE)
async def deliver(delivery_id: int) -> None:
    await outbox.attempt(get_sessionmaker(), delivery_id)


@jobs.task(name="websub", queue=QUEUE)
async def websub_attempt(job_id: int) -> None:
    async with websub.http_client() as http:
        await websub.attempt(get_sessionmaker(), http, render_feed, job_id)


async def queue_due() -> int:
    """Relay, then queue a job for each due delivery and each due WebSub job; returns how many were queued."""
    sessions = get_sessionmaker()
    await outbox.relay_committed(sessions)
    queued = 0
    for delivery_id in await outbox.due_committed(sessions):
        try:
            await deliver.configure(queueing_lock=f"delivery-{delivery_id}").defer_async(delivery_id=delivery_id)
            queued += 1
        except AlreadyEnqueued:
            pass
    async with sessions() as session:
        websub_due = await websub.due(session)
    for job_id in websub_due:
        try:
            await websub_attempt.configure(queueing_lock=f"websub-{job_id}").defer_async(job_id=job_id)
            queued += 1
        except AlreadyEnqueued:
            pass
    return queued


@jobs.periodic(cron="*/2 * * * * *", periodic_id="relay")
@jobs.task(name="relay", queue=QUEUE)
async def relay(timestamp: int) -> None:
    await queue_due()


async def due_jobs_once() -> None:
    """Each domain's time-driven work in its own transaction: one failing leaves the other's done."""
    # Lapsed 依申请公开 deadlines first: a request closed for them needs no overdue reminder.
    for job in (disclosure_deadlines.run_due_jobs, reminders.run, run_due_jobs):
        async with get_sessionmaker()() as session:
            await begin_write(session)
            await job(session)
            await session.commit()
    await sweep_unclaimed_uploads()


async def discard_unclaimed(session: AsyncSession) -> set[str]:
    """Every domain's uploads that nobody claimed within PORTAL_UNCLAIMED_UPLOAD_HOURS: their rows deleted (not
    committed); returns the digests of their files for files.remove_unreferenced after the commit."""
    before = utcnow() - timedelta(hours=get_settings().unclaimed_upload_hours)
    digests = await files.discard_unclaimed(session, [APPLICATION_UPLOADS, DISCLOSURE_REQUEST_UPLOADS], before)
    return digests | await discard_unclaimed_uploads(session, before)


async def sweep_unclaimed_uploads() -> int:
    """Delete the uploads nobody claimed in time, then the files no attachment names any more; returns how many
    files were removed."""
    async with get_sessionmaker()() as session:
        await begin_write(session)
        digests = await discard_unclaimed(session)
        await session.commit()
        removed = await files.remove_unreferenced(session, digests)
    if digests:
        log.info("unclaimed_uploads_swept", extra={"blobs": len(digests), "files_removed": removed})
    return removed


@jobs.periodic(cron="*/5 * * * *", periodic_id="due_jobs")
@jobs.task(name="due_jobs", queue="periodic")
async def due_jobs(timestamp: int) -> None:
    await due_jobs_once()


async def compliance_daily_once() -> None:
    if await compliance_jobs.run_once():
        log.info("compliance_snapshot_taken")


@jobs.periodic(cron="7 * * * *", periodic_id="compliance_daily")
@jobs.task(name="compliance_daily", queue="periodic")
async def compliance_daily(timestamp: int) -> None:
    await compliance_daily_once()


@jobs.periodic(cron="*/10 * * * * *", periodic_id="flush_visits")
@jobs.task(name="flush_visits", queue="periodic")
async def flush_visits(timestamp: int) -> None:
    await visit_jobs.flush()


async def in_process_loop(interval: float = 1.0) -> None:
    """The in-process worker: the outbox relay, deliveries and WebSub jobs with the periodic work, and the visit
    flush."""
    await asyncio.gather(run_in_process(interval), visit_jobs.loop())


async def periodic_once() -> None:
    """The periodic tasks, for the in-process worker (SQLite); one failing does not keep the others from running."""
    for step in (due_jobs_once, compliance_daily_once):
        try:
            await step()
        except Exception:
            log.exception("periodic step %s failed", step.__name__)


def conninfo(database_url: str) -> str:
    """The libpq URL of the SQLAlchemy one (postgresql+asyncpg://… → postgresql://…)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


_app: procrastinate.App | None = None


def make_app(max_size: int = 4) -> procrastinate.App:
    """The process's one procrastinate App (a blueprint's tasks belong to one app: add_tasks_from renames them),
    on PORTAL_DATABASE_URL with procrastinate's schema first in the search path."""
    global _app
    if _app is None:
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(get_settings().database_url), kwargs={"options": f"-c search_path={SCHEMA}"},
            min_size=1, max_size=max_size)
        _app = procrastinate.App(connector=connector)
        _app.add_tasks_from(jobs, namespace="portal")
    return _app


SCHEMA_LOCK = 7_240_514  # a PostgreSQL advisory lock: two workers starting at once create the schema once


async def ensure_schema(app: procrastinate.App) -> bool:
    """Create procrastinate's schema once (its own PostgreSQL schema, out of alembic's way); True if created."""
    async with get_engine().connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
        try:
            await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            exists = (await conn.execute(text(f"SELECT to_regclass('{SCHEMA}.procrastinate_jobs')"))).scalar()
            await conn.commit()
            if not exists:
                await app.schema_manager.apply_schema_async()
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
            await conn.commit()
    return not exists


async def drain_once() -> int:
    """The in-process runner's step: what ``relay`` queues and the jobs then do, done here and now."""
    sessions = get_sessionmaker()
    done = await outbox.drain(sessions)
    async with websub.http_client() as http:
        done += await websub.drain(sessions, http, render_feed)
    return done


async def run_in_process(interval: float = 1.0, every: float = 300.0) -> None:
    """The in-process worker (SQLite): drain every `interval` seconds, the periodic jobs every `every` seconds."""
    loop = asyncio.get_running_loop()
    last_periodic = 0.0
    while True:
        try:
            await drain_once()
            if loop.time() - last_periodic >= every:
                last_periodic = loop.time()
                await periodic_once()
        except asyncio.CancelledError:
            raise
        except Exception:  # the runner must outlive one bad round; it is logged
            log.exception("in-process worker step failed")
        await asyncio.sleep(interval)


async def run_worker(concurrency: int = 4, wait: bool = True) -> None:
    """A worker: procrastinate on PostgreSQL, the in-process loop on SQLite."""
    if get_settings().is_sqlite:
        await in_process_loop()
        return
    app = make_app(max_size=concurrency + 2)
    async with app.open_async():
        await ensure_schema(app)
        await app.run_worker_async(concurrency=concurrency, wait=wait, name="portal-worker",
                                   install_signal_handlers=wait)


in_process = BackgroundTask("delivery-worker")


def start_in_process(interval: float = 1.0) -> None:
    """The API process's own worker (SQLite default): the same relay, deliveries and periodic jobs."""
    in_process.start(lambda: in_process_loop(interval))


def main(concurrency: int) -> int:
    asyncio.run(run_worker(concurrency))
    return 0
