"""Operator commands: python -m api.cli {migrate,tracking-sequences,demo,verify-audit,generate-key,
generate-audit-key,...}."""

import argparse
import asyncio
import json
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, select

from api.config import ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def migrate() -> None:
    get_settings().var_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(), "head")
    asyncio.run(_tracking_sequences(10))


async def _tracking_sequences(years: int) -> int:
    """Schema objects made ahead of time rather than by requests: the 受理编号 sequences of the coming years."""
    from api.applications.service import create_tracking_sequences
    from api.database import dispose_engine, get_engine

    async with get_engine().begin() as conn:
        created = await create_tracking_sequences(conn, years)
    await dispose_engine()
    if created:
        print("created 受理编号 sequences for " + ", ".join(map(str, created)))
    return 0


async def _demo() -> int:
    from api import demo
    from api.database import dispose_engine, get_sessionmaker

    async with get_sessionmaker()() as session:
        if not await demo.is_empty(session):
            print("数据库已有数据，跳过演示数据。")
            await dispose_engine()
            return 0
        await demo.load(session, get_settings().demo_password)
        await session.commit()
    await dispose_engine()
    print(f"已载入演示数据。演示账号（密码 {get_settings().demo_password}）："
          + "、".join(u[0] for u in demo.DEMO_USERS))
    return 0


async def _verify_audit(checkpoint_files: list[Path]) -> int:
    from api.audit.checkpoints import verify_log
    from api.database import dispose_engine, get_sessionmaker

    # Checkpoints kept outside the database: compact JWS strings, whitespace-separated, in each file.
    external = [t for f in checkpoint_files for t in f.read_text(encoding="utf-8").split()]
    async with get_sessionmaker()() as session:
        report = await verify_log(session, external)  # chains what committed but was not linked yet first
        await session.commit()
    await dispose_engine()
    print(json.dumps(report.as_dict(), ensure_ascii=False))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return 0 if report.ok else 1


async def _purge_demo() -> int:
    from api.auth.models import User
    from api.database import dispose_engine, get_sessionmaker

    async with get_sessionmaker()() as session:
        ids = list((await session.execute(select(User.id).where(User.is_demo.is_(True)))).scalars())
        await session.execute(delete(User).where(User.id.in_(ids)))
        await session.commit()
    await dispose_engine()
    print(f"removed {len(ids)} demo accounts")
    return 0


def write_openapi(path: Path) -> None:
    from api.main import create_app

    spec = create_app().openapi()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="alembic upgrade head")
    sub.add_parser("demo", help="load demo data into an empty database")
    va = sub.add_parser("verify-audit", help="verify the audit chain and its signed checkpoints; exit 1 if broken")
    va.add_argument("--checkpoint", type=Path, action="append", default=[], metavar="FILE",
                    help="a file of checkpoints kept outside the database (JWS from GET /api/v1/audit/checkpoints)")
    sub.add_parser("purge-demo", help="delete demo accounts")
    gk = sub.add_parser("generate-key", help="write a new EC P-256 signing key (PEM, mode 0600)")
    gk.add_argument("path", type=Path)
    ts = sub.add_parser("tracking-sequences", help="create the 受理编号 sequences of the coming years (yearly; "
                        "also run by migrate)")
    ts.add_argument("--years", type=int, default=10)
    ak = sub.add_parser("generate-audit-key", help="write a new audit MAC key (64 hex digits, mode 0600)")
    ak.add_argument("path", type=Path)
    sub.add_parser("complaints-jobs", help="deadline reminders of every case type and the letters' auto-close "
                   "once (the worker runs them every 5 minutes)")
    wk = sub.add_parser("worker", help="deliver notifications and WebSub pushes, run the periodic jobs "
                        "(procrastinate on PostgreSQL, an in-process loop on SQLite); run as many as you like")
    wk.add_argument("--concurrency", type=int, default=4)
    oa = sub.add_parser("openapi", help="write the OpenAPI document")
    oa.add_argument("path", type=Path, nargs="?", default=ROOT / "openapi" / "v1.json")
    args = parser.parse_args(argv)
    if args.cmd == "migrate":
        migrate()
        return 0
    if args.cmd == "tracking-sequences":
        return asyncio.run(_tracking_sequences(args.years))
    if args.cmd == "demo":
        return asyncio.run(_demo())
    if args.cmd == "verify-audit":
        return asyncio.run(_verify_audit(args.checkpoint))
    if args.cmd == "purge-demo":
        return asyncio.run(_purge_demo())
    if args.cmd == "generate-key":
        from api.auth.tokens import write_private_key

        write_private_key(args.path)
        print(f"wrote {args.path}")
        return 0
    if args.cmd == "generate-audit-key":
        from api.audit.keys import write_audit_key

        write_audit_key(args.path)
        print(f"wrote {args.path}")
        return 0
    if args.cmd == "complaints-jobs":
        from api.complaints.jobs import run_cli

        return asyncio.run(run_cli())
    if args.cmd == "worker":
        from api.worker import main as worker_main

        return worker_main(args.concurrency)
    if args.cmd == "openapi":
        write_openapi(args.path)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
