"""Engine and the one session per request; the request's session commits in exactly one place."""

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, suppress
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, Executable, MetaData, Row, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from api.config import get_settings
from api.errors import AppError
from api.logs import get_logger
from api.tasks import BackgroundTask

_log = get_logger("api.database")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern: its %, _ and the escape character escaped. Use with
    ``column.like(f"%{escape_like(q)}%", escape=LIKE_ESCAPE)``."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys; BEGIN IMMEDIATE for write transactions so that two
    writers queue on the lock instead of failing with SQLITE_BUSY when one upgrades a read."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kw: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 15}, **kw)
        _sqlite_pragmas(engine.sync_engine)
    else:
        # Few connections per worker: past a handful per core, PostgreSQL backends compete for the CPU and
        # throughput falls (submissions, 2 workers on 2 cores, 48 clients: 10 + 20 per worker gave 300-320/s,
        # 5 + 3 gave 365-380/s). Requests beyond the pool wait for a connection in the event loop, cheaply.
        settings = get_settings()
        kw.setdefault("pool_size", settings.db_pool_size)
        kw.setdefault("max_overflow", settings.db_max_overflow)
        kw.setdefault("pool_recycle", 1800)
        engine = create_async_engine(url, **kw)
        _drop_closed_connections(engine.sync_engine)
    return engine


def _drop_closed_connections(engine: Engine) -> None:
    """Instead of pool_pre_ping's round trip on every checkout (6% of a submission's CPU under load): a
    connection whose socket the server closed (a restart, pg_terminate_backend, an idle timeout) is known
    closed to asyncpg locally, and the pool replaces it before anyone uses it. pool_recycle bounds the rest."""

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_conn, "driver_connection", None)
        if driver is not None and hasattr(driver, "is_closed") and driver.is_closed():
            raise DisconnectionError("connection closed by the server")


_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None
_reader: "Reader | None" = None


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker
    if _engine is None:
        _engine = make_engine(get_settings().database_url)
        _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


async def dispose_engine() -> None:
    global _engine, _sessionmaker, _reader
    if _engine is not None:
        await _engine.dispose()
    if _reader is not None:
        _reader.dispose()
    _reader = None
    _engine = None
    _sessionmaker = None


_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class WriteGate:
    """Counts this worker's request write transactions in progress; the response cache's public reads wait
    (bounded) while there are any, so a write is not starved by a burst of readers (api.publiccache.middleware)."""

    def __init__(self) -> None:
        self.writing = 0
        self._waiters: set[asyncio.Future[None]] = set()  # futures of the running loop (never an Event bound to one)

    def begin(self) -> None:
        self.writing += 1

    def end(self) -> None:
        self.writing -= 1
        if self.writing == 0:
            for waiter in self._waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self._waiters.clear()

    async def wait(self, max_wait: float) -> None:
        if not self.writing:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, max_wait)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


write_gate = WriteGate()


async def begin_write(session: AsyncSession) -> None:
    """Open the transaction as a writer (BEGIN IMMEDIATE on SQLite; a no-op elsewhere)."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        await session.connection(execution_options={"sqlite_write": True})


async def end_on_error(session: AsyncSession, exc: BaseException) -> None:
    """Roll back, unless the error says its writes must stand (a replayed token's family revocation)."""
    if isinstance(exc, AppError) and exc.keep_changes:
        await session.commit()
    else:
        await session.rollback()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit on success, roll back on any error (see end_on_error). A write method's
    transaction counts in write_gate from its BEGIN to its end (the body has been read by then)."""
    writing = request.method in _WRITE_METHODS
    async with get_sessionmaker()() as session:
        if writing:
            write_gate.begin()
        try:
            if writing:
                await begin_write(session)
            yield session
            await session.commit()
        except BaseException as exc:
            await end_on_error(session, exc)
            raise
        finally:
            if writing:
                write_gate.end()


async def get_read_session() -> AsyncIterator[AsyncSession]:
    """A session that only reads, for a POST that writes nothing to the database (the visit beacon): it takes no
    write lock and does not hold the public reads back."""
    async with get_sessionmaker()() as session:
        yield session


# scope="function": commit before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]


class Reader:
    """Read-only Core statements for public, anonymous pages, outside any ORM session: no identity map, no
    transaction of the request's, one connection for the one statement.

    `quick=True` marks a bounded statement served by an index (a keyset page, a feed head). On SQLite those
    run inline on the event loop through a plain sqlite3 connection that can only read: a 50 µs query handed to
    aiosqlite's worker thread costs several times the query in the hand-over alone, and a WAL reader never
    waits for a writer. Anything unbounded (full-text search, a change log page) goes through the async engine
    so a slow statement never stalls the loop; on PostgreSQL everything does (asyncpg is asynchronous)."""

    def __init__(self, dialect: str, connect: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
                 inline: Engine | None = None) -> None:
        self.dialect = dialect
        self._connect = connect
        self._inline = inline
        self._kept: Any = None  # a DBAPI connection of the inline engine, for first_sql

    async def all(self, stmt: Executable, params: dict[str, Any] | None = None, *,
                  quick: bool = False) -> Sequence[Row[*tuple[Any, ...]]]:
        if quick and self._inline is not None:
            with self._inline.connect() as conn:
                return conn.execute(stmt, params).all()
        async with self._connect() as conn:
            return (await conn.execute(stmt, params)).all()

    async def first(self, stmt: Executable, params: dict[str, Any] | None = None, *,
                    quick: bool = False) -> Row[*tuple[Any, ...]] | None:
        rows = await self.all(stmt, params, quick=quick)
        return rows[0] if rows else None

    def first_sql(self, sql: str) -> tuple[Any, ...] | None:
        """One row of a fixed, parameterless SQL string on a DBAPI connection kept open (SQLite inline only; None
        when there is no inline engine): for a read made on every request (the response cache's head), where a
        pool checkout and a Core statement's execution cost ten times the query itself. Raw values, no types."""
        if self._inline is None:
            return None
        for attempt in (1, 2):
            try:
                if self._kept is None:
                    self._kept = self._inline.raw_connection()
                cur = self._kept.cursor()
                try:
                    cur.execute(sql)
                    return cur.fetchone()  # type: ignore[no-any-return]
                finally:
                    cur.close()
            except Exception:
                self._drop_kept()
                if attempt == 2:
                    raise
        return None

    def _drop_kept(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            with suppress(Exception):
                kept.invalidate()

    def dispose(self) -> None:
        self._drop_kept()
        if self._inline is not None:
            self._inline.dispose()


def _inline_sqlite(url: str) -> Engine | None:
    """A synchronous engine on the same SQLite file, read-only, for Reader's quick statements."""
    if not url.startswith("sqlite+aiosqlite:///") or ":memory:" in url:
        return None
    engine = create_engine(url.replace("sqlite+aiosqlite", "sqlite", 1),
                           connect_args={"check_same_thread": False, "timeout": 2})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None  # autocommit: each statement reads the newest committed snapshot
        dbapi_conn.execute("PRAGMA query_only=ON")

    return engine


async def get_reader() -> Reader:  # async: a plain def dependency would be run in a worker thread
    global _reader
    if _reader is None:
        engine = get_engine()
        if engine.dialect.name == "postgresql":
            # One statement per connection: autocommit spares each the BEGIN and ROLLBACK round trips (three
            # round trips became one; the statement still reads one snapshot).
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        _reader = Reader(engine.dialect.name, engine.connect,
                         _inline_sqlite(engine.url.render_as_string(hide_password=False)))
    return _reader


ReaderDep = Annotated[Reader, Depends(get_reader)]


class ChannelFollower:
    """Follows one PostgreSQL NOTIFY channel on a connection of its own (LISTEN), for a worker's in-memory copies
    that a commit elsewhere makes stale. `on_change()` runs on every notification `accept`ed by its payload, when
    the connection comes up (whatever happened while nobody listened) and when it goes; `live` is true only while
    it listens, so a copy may be trusted only then. The connection is pinged every 30 s (a silent network
    failure would otherwise keep old copies) and reopened a second after it is lost."""

    def __init__(self, channel: str, name: str, on_change: Callable[[], None],
                 accept: Callable[[str], bool] | None = None) -> None:
        self.channel, self.name, self.on_change, self.accept = channel, name, on_change, accept
        self.live = False
        self._task = BackgroundTask(name)

    def start(self, database_url: str) -> None:
        self._task.start(lambda: self._listen(database_url))

    async def stop(self) -> None:
        await self._task.stop()
        self._down()

    def _down(self) -> None:
        self.live = False
        self.on_change()

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if self.accept is None or self.accept(payload):
            self.on_change()

    async def _listen(self, database_url: str) -> None:
        import asyncpg
        from sqlalchemy.engine import make_url

        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            conn = None
            try:
                conn = await asyncpg.connect(dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(self.channel, self._notified)
                self.on_change()
                self.live = True
                while not lost.is_set():
                    with suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30)
                    if not lost.is_set():
                        await conn.fetchval("SELECT 1", timeout=5)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarting, a network hiccup: the copies are not trusted meanwhile
                _log.warning("channel_listen_failed", channel=self.channel, exc_info=True)
            finally:
                self._down()
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(1)
