"""Uploads made for a form that was never sent (an application, a 依申请公开 request, a letter) do not stay for ever:
the periodic due_jobs delete them after PORTAL_UNCLAIMED_UPLOAD_HOURS, and their files once nothing else names
the same bytes."""

import os
import time
from datetime import timedelta

from sqlalchemy import select, update

from api import worker
from api.complaints.models import ComplaintAttachment
from api.config import get_settings
from api.database import get_sessionmaker, utcnow
from api.files import service as files
from api.files.models import Attachment
from tests.complaints.helpers import submit_as, world
from tests.factories import auth

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def pdf(tag: str) -> bytes:
    return PDF + f"% {tag}\n".encode()


async def _upload(client, url: str, data: bytes, user=None) -> dict:
    r = await client.post(url, files={"file": ("材料.pdf", data, "application/pdf")},
                          headers=auth(user) if user else {})
    assert r.status_code == 201, r.text
    return r.json()


def _age_file(sha: str, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(files.blob_path(sha), (then, then))


async def _age_rows(session, hours: float) -> None:
    then = utcnow() - timedelta(hours=hours)
    await session.execute(update(Attachment).values(created_at=then))
    await session.execute(update(ComplaintAttachment).values(created_at=then))


async def _sweep(session) -> int:
    digests = await worker.discard_unclaimed(session)
    return await files.remove_unreferenced(session, digests)


class TestSweep:
    async def test_old_unclaimed_uploads_of_every_form_go_with_their_files(self, client, session):
        w = await world(session)
        await _upload(client, "/api/v1/applications/uploads", pdf("application"), w.citizen)
        await _upload(client, "/api/v1/disclosure-requests/uploads", pdf("request"), w.citizen)
        await _upload(client, "/api/v1/complaints/attachments", pdf("letter"))
        rows = list((await session.execute(select(Attachment))).scalars())
        assert len(rows) == 3
        await _age_rows(session, get_settings().unclaimed_upload_hours + 1)
        for row in rows:
            _age_file(row.sha256, 2)

        assert await _sweep(session) == 3
        assert (await session.execute(select(Attachment))).first() is None
        assert (await session.execute(select(ComplaintAttachment))).first() is None
        assert not any(files.blob_path(row.sha256).exists() for row in rows)

    async def test_recent_and_claimed_uploads_stay(self, client, session):
        w = await world(session)
        fresh = await _upload(client, "/api/v1/applications/uploads", pdf("fresh"), w.citizen)
        claimed = await _upload(client, "/api/v1/complaints/attachments", pdf("claimed"))
        await submit_as(client, w, w.citizen,
                        attachments=[{"id": claimed["id"], "upload_token": claimed["upload_token"]}])
        await _age_rows(session, get_settings().unclaimed_upload_hours + 1)
        await session.execute(update(Attachment).where(Attachment.id == fresh["id"]).values(created_at=utcnow()))
        for row in (await session.execute(select(Attachment))).scalars():
            _age_file(row.sha256, 2)

        assert await _sweep(session) == 0
        assert {a.filename for a in (await session.execute(select(Attachment))).scalars()} == {"材料.pdf"}
        assert len((await session.execute(select(Attachment))).all()) == 2
        assert (await session.get(ComplaintAttachment, claimed["id"])).complaint_id is not None

    async def test_a_file_shared_with_a_kept_attachment_stays(self, client, session):
        """The store keeps one file per content: an abandoned upload of the same bytes as a letter's attachment
        loses its row, never the file the letter still shows."""
        w = await world(session)
        same = pdf("same")
        kept = await _upload(client, "/api/v1/complaints/attachments", same)
        await submit_as(client, w, w.citizen, attachments=[{"id": kept["id"], "upload_token": kept["upload_token"]}])
        abandoned = await _upload(client, "/api/v1/disclosure-requests/uploads", same, w.citizen)
        await _age_rows(session, get_settings().unclaimed_upload_hours + 1)
        sha = (await session.get(Attachment, abandoned["id"])).sha256
        _age_file(sha, 2)

        assert await _sweep(session) == 0
        assert await session.get(Attachment, abandoned["id"]) is None
        assert files.blob_path(sha).read_bytes() == same

    async def test_a_file_just_written_again_is_not_removed(self, client, session):
        """A file is removed only after an hour untouched: an upload of the same bytes in flight (its row not yet
        committed) refreshed it, so the sweep leaves it for that row."""
        w = await world(session)
        up = await _upload(client, "/api/v1/applications/uploads", pdf("again"), w.citizen)
        sha = (await session.get(Attachment, up["id"])).sha256
        await _age_rows(session, get_settings().unclaimed_upload_hours + 1)
        _age_file(sha, 2)
        await _upload(client, "/api/v1/complaints/attachments", pdf("again"))  # touches the file
        await session.execute(update(Attachment).values(created_at=utcnow() - timedelta(days=30)))
        await session.execute(update(ComplaintAttachment).values(created_at=utcnow() - timedelta(days=30)))

        assert await _sweep(session) == 0
        assert (await session.execute(select(Attachment))).first() is None
        assert files.blob_path(sha).exists()


class TestThroughTheWorker:
    async def test_the_periodic_due_jobs_sweep_committed_uploads(self, committing_client):
        async with get_sessionmaker()() as s:
            w = await world(s)
        up = await _upload(committing_client, "/api/v1/disclosure-requests/uploads", pdf("worker"), w.citizen)
        async with get_sessionmaker()() as s:
            sha = (await s.get(Attachment, up["id"])).sha256
            await _age_rows(s, get_settings().unclaimed_upload_hours + 1)
            await s.commit()
        _age_file(sha, 2)
        await worker.due_jobs_once()
        async with get_sessionmaker()() as s:
            assert await s.get(Attachment, up["id"]) is None
        assert not files.blob_path(sha).exists()
