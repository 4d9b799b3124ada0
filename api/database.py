"""Engine and the one session per request; the request's session commits in exactly one place."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, Executable, MetaData, Row, Table, bindparam, create_engine, event, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstanceState
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.types import TypeDecorator

from api.config import get_settings
from api.errors import AppError

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
_side_sessions: async_sessionmaker[AsyncSession] | None = None
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
    global _engine, _sessionmaker, _side_sessions, _reader
    if _engine is not None:
        await _engine.dispose()
    if _reader is not None:
        _reader.dispose()
    _reader = None
    if _side_sessions is not None:
        side = _side_sessions.kw.get("bind")
        if side is not None:
            await side.dispose()
    _engine = None
    _sessionmaker = None
    _side_sessions = None


_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


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


def side_sessions() -> async_sessionmaker[AsyncSession]:
    """Short transactions of their own (counters, idempotency claims) that commit at once, so a request
    holds no lock on a shared row until its end. A small pool of its own: waiting on the main pool for a
    second connection could deadlock when every connection belongs to a request doing the same."""
    global _side_sessions
    if _side_sessions is None:
        _side_sessions = async_sessionmaker(make_engine(get_settings().database_url, pool_size=4, max_overflow=4),
                                            expire_on_commit=False)
    return _side_sessions


@asynccontextmanager
async def side_connection() -> AsyncIterator[AsyncConnection]:
    """An autocommit connection from the side pool: each statement is its own transaction."""
    engine = side_sessions().kw["bind"]
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def can_use_side_session(session: AsyncSession) -> bool:
    """Only a server database with the request on its own engine: SQLite serializes writers anyway, and a
    test's session bound to one rolled-back connection must see everything it wrote."""
    return isinstance(session.bind, AsyncEngine) and session.bind.dialect.name != "sqlite"


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit on success, roll back on any error (see end_on_error)."""
    async with get_sessionmaker()() as session:
        if request.method in _WRITE_METHODS:
            await begin_write(session)
        try:
            yield session
            await session.commit()
        except BaseException as exc:
            await end_on_error(session, exc)
            raise


# scope="function": commit before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# --- writing a request's new rows in one round trip ---------------------------------------------------


Also = Sequence[tuple[Executable, dict[str, Any]]]


async def insert_pending(session: AsyncSession, also: Also = ()) -> None:
    """Write the session's new objects now, like session.flush(). On PostgreSQL they go in one statement, a
    data-modifying CTE per row, instead of an INSERT per table and a round trip each (a submission's case,
    event, approvals, notification and audit record: five statements and the unit of work's bookkeeping
    became one). Rows may refer to each other by keys taken beforehand from their tables' sequences;
    PostgreSQL checks the foreign keys at the end of the statement. Anything plain INSERTs could not express
    (a relationship set on a new object, a SQL-side default, pending updates or deletes) takes session.flush().

    `also`: further prebuilt DML statements and their parameters (bind names distinct from each other's and
    from r<i>_<column>), written in the same statement on PostgreSQL, after the flush elsewhere. They must
    name every column they set: Python-side defaults (onupdate=utcnow) are not computed inside a CTE, so a
    statement that relies on one is refused with ValueError."""
    new = list(session.new)
    rows = _insert_rows(new) if new and session.get_bind().dialect.name == "postgresql" else None
    conn = await session.connection()  # not session.execute: its autoflush would INSERT the objects first
    if rows is None or session.dirty or session.deleted:
        await session.flush()
        for stmt, params in also:
            await conn.execute(stmt, params)
        return
    shape = (tuple((plan, tuple(values)) for _, plan, values in rows), tuple(stmt for stmt, _ in also))
    multi = _INSERT_STATEMENTS.get(shape)
    if multi is None:
        multi = _INSERT_STATEMENTS[shape] = _multi_insert(rows, [stmt for stmt, _ in also])
    params = {f"r{i}_{name}": value for i, (_, _, values) in enumerate(rows) for name, value in values.items()}
    for _, extra in also:
        params.update(extra)
    keys = (await conn.execute(multi, params)).one()
    for (state, plan, values), key in zip(rows, keys, strict=True):
        loaded = state.dict  # every column known, as if just loaded: defaults, NULLs and the key
        for c in plan.columns:
            if c.key not in loaded:
                loaded[c.key] = values.get(c.name)
        loaded[plan.pk_key] = key
    # What the end of a flush does: the objects become persistent (identity map, history reset; a later change
    # is an UPDATE) and the transaction remembers them as new, so a rollback makes them transient again.
    # SQLAlchemy's own step, private but unchanged since 1.x; the database tests check the result.
    session.sync_session._register_persistent({state for state, _, _ in rows})


@dataclass(frozen=True)
class _Column:
    key: str  # the attribute
    name: str  # the column
    default: Callable[[], Any] | None  # the Python-side default the unit of work would apply
    writes_none: bool  # None is a value to write (JSON null), not a column left to NULL


@dataclass(frozen=True, eq=False)  # one per mapper: compared and hashed by identity
class _TablePlan:
    table: Table
    pk_key: str
    pk_name: str
    columns: tuple[_Column, ...]
    relationships: tuple[str, ...]


_PLANS: dict[Any, _TablePlan | None] = {}
# Built once per shape (tables and columns, in order): SQLAlchemy then reuses the statement's cache key and
# compiled form, where a statement built per request cost more to key than the unit of work it replaced.
_INSERT_STATEMENTS: dict[tuple[tuple[tuple[_TablePlan, tuple[str, ...]], ...], tuple[Executable, ...]],
                         Executable] = {}
_Row = tuple[InstanceState[Any], _TablePlan, dict[str, Any]]


def _multi_insert(rows: list[_Row], also: list[Executable]) -> Executable:
    if len(_INSERT_STATEMENTS) > 256:
        _INSERT_STATEMENTS.clear()
    ctes = [insert(plan.table).values({name: bindparam(f"r{i}_{name}", type_=plan.table.c[name].type)
                                       for name in values})
            .returning(plan.table.c[plan.pk_name]).cte(f"new_{i}")
            for i, (_, plan, values) in enumerate(rows)]
    for stmt in also:
        compiled: Any = stmt.compile(dialect=postgresql.dialect())  # type: ignore[attr-defined]
        implicit = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if implicit:
            raise ValueError(f"insert_pending(also=...): set {', '.join(implicit)} explicitly")
    extra = [stmt.cte(f"also_{i}") for i, stmt in enumerate(also)]  # type: ignore[attr-defined]
    return select(*[select(cte.c[0]).scalar_subquery() for cte in ctes]).add_cte(*extra)


def fill_defaults(*objs: Any) -> None:
    """Apply the Python-side column defaults to new objects now, as their INSERT would, for code that reads them
    before anything is written (a response rendered before the write that stores it)."""
    for obj in objs:
        state: InstanceState[Any] = instance_state(obj)
        plan = _plan_of(state.mapper)
        if plan is None:
            continue
        for c in plan.columns:
            if c.key not in state.dict and c.default is not None:
                setattr(obj, c.key, c.default())


def _plan_of(mapper: Any) -> "_TablePlan | None":
    if mapper not in _PLANS:
        _PLANS[mapper] = _table_plan(mapper)
    return _PLANS[mapper]


def _table_plan(mapper: Any) -> _TablePlan | None:
    """How the unit of work INSERTs this mapper's rows, or None if plain INSERTs cannot say it."""
    table = mapper.local_table
    if mapper.inherits is not None or not isinstance(table, Table) or len(table.primary_key.columns) != 1:
        return None
    pk = table.primary_key.columns[0]
    if not pk.autoincrement:
        return None
    columns, pk_key = [], None
    for prop in mapper.column_attrs:
        col = prop.columns[0]
        if col.table is not table or col.server_default is not None:
            return None
        default: Callable[[], Any] | None = None
        if col is mapper.version_id_col and mapper.version_id_generator is not False:
            generate = mapper.version_id_generator
            default = lambda generate=generate: generate(None)  # noqa: E731
        elif col.default is not None:
            if col.default.is_scalar:
                default = lambda value=col.default.arg: value  # noqa: E731
            elif col.default.is_callable:
                default = lambda fn=col.default.arg: fn(None)  # noqa: E731
            else:
                return None  # a SQL expression or a sequence
        if col is pk:
            pk_key = prop.key
        else:
            columns.append(_Column(prop.key, col.name, default, bool(col.type.should_evaluate_none)))
    if pk_key is None:
        return None
    return _TablePlan(table, pk_key, pk.name, (_Column(pk_key, pk.name, None, False), *columns),
                      tuple(rel.key for rel in mapper.relationships))


def _insert_rows(objs: list[Any]) -> list[_Row] | None:
    """Each object's column values, as the unit of work would INSERT them (Python defaults applied, None left
    out unless the type writes it, e.g. JSON null), or None when one of them needs the unit of work."""
    rows = []
    for obj in objs:
        state: InstanceState[Any] = instance_state(obj)
        plan = _plan_of(state.mapper)
        given = state.dict
        if plan is None or any(rel in given for rel in plan.relationships):
            return None
        values: dict[str, Any] = {}
        for c in plan.columns:
            if c.key in given:
                value = given[c.key]
            elif c.default is not None:
                value = c.default()
            else:
                continue
            if value is not None or c.writes_none:
                values[c.name] = value
        rows.append((state, plan, values))
    return rows


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

    def dispose(self) -> None:
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
        _reader = Reader(engine.dialect.name, engine.connect,
                         _inline_sqlite(engine.url.render_as_string(hide_password=False)))
    return _reader


ReaderDep = Annotated[Reader, Depends(get_reader)]
