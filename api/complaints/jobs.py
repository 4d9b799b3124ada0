"""`python -m api.cli complaints-jobs`: run the due jobs once in their own transaction."""

import json

from api.complaints.reminders import run_due_jobs
from api.database import begin_write, dispose_engine, get_sessionmaker


async def run_cli() -> int:
    async with get_sessionmaker()() as session:
        await begin_write(session)
        report = await run_due_jobs(session)
        await session.commit()
    await dispose_engine()
    print(json.dumps(report.model_dump(), ensure_ascii=False))
    return 0
