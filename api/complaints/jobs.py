"""`python -m api.cli complaints-jobs`: the reply-limit reminders (of every case type: the case kernel's) and the
letters' auto-completion once, in their own transaction (the worker's due_jobs run them every 5 minutes)."""

import json

from api.cases import reminders
from api.complaints.reminders import run_due_jobs
from api.database import begin_write, dispose_engine, get_sessionmaker


async def run_cli() -> int:
    async with get_sessionmaker()() as session:
        await begin_write(session)
        reminded = await reminders.run(session)
        report = await run_due_jobs(session)
        await session.commit()
    await dispose_engine()
    print(json.dumps({"reminded": reminded.reminded, "notifications": reminded.notifications,
                      **report.model_dump()}, ensure_ascii=False))
    return 0
