import io
import zipfile

from api.files.service import content_disposition, sanitize_filename
from api.files.types import sniff
from tests.disclosures.conftest import draft

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def zip_bytes(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in names:
            zf.writestr(n, "<x/>")
    return buf.getvalue()


class TestSniff:
    def test_office_and_ofd_containers(self):
        assert [k.name for k in sniff(zip_bytes("[Content_Types].xml", "word/document.xml"))] == ["docx"]
        assert [k.name for k in sniff(zip_bytes("[Content_Types].xml", "xl/workbook.xml"))] == ["xlsx"]
        assert [k.name for k in sniff(zip_bytes("OFD.xml", "Doc_0/Document.xml"))] == ["ofd"]
        assert sniff(zip_bytes("readme.txt")) == ()

    def test_images_and_pdf(self):
        assert [k.name for k in sniff(PDF)] == ["pdf"]
        assert [k.name for k in sniff(PNG)] == ["png"]
        assert sniff(b"MZ\x90\x00 not allowed") == ()


class TestNames:
    def test_path_and_control_characters_are_removed(self):
        assert sanitize_filename("../../etc/pass\x00wd.pdf") == "pass_wd.pdf"
        assert sanitize_filename("C:\\temp\\关于 通知.docx") == "关于 通知.docx"
        assert sanitize_filename("...") == "file"

    def test_bidi_controls_are_removed(self):
        assert sanitize_filename("invoice\u202egpj.exe") == "invoicegpj.exe"
        controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
        assert sanitize_filename(f"通{controls}知.pdf") == "通知.pdf"

    def test_content_disposition_has_rfc5987_name(self):
        assert content_disposition("通知.pdf") == (
            "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E9%80%9A%E7%9F%A5.pdf")


class TestUploadAttachment:
    async def test_pdf_is_stored_and_downloadable(self, client, team):
        v = await draft(client, team)
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                              files={"file": ("附件一：名单.pdf", PDF, "application/pdf")})
        assert r.status_code == 201
        att = r.json()
        assert (att["filename"], att["content_type"], att["size"]) == ("附件一：名单.pdf", "application/pdf", len(PDF))
        d = await client.get(f"/api/v1/disclosure-versions/{v['id']}/attachments/{att['id']}",
                             headers=team.h(team.editor))
        assert d.content == PDF
        assert d.headers.get_list("x-content-type-options") == ["nosniff"]
        assert "filename*=UTF-8''" in d.headers["content-disposition"]

    async def test_bidi_override_cannot_disguise_the_extension(self, client, team):
        v = await draft(client, team)
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                              files={"file": ("名单\u202Efdp.pdf", PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == "名单fdp.pdf"

    async def test_renamed_executable_is_415(self, client, team):
        v = await draft(client, team)
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                              files={"file": ("通知.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")})
        assert r.status_code == 415
        assert r.json()["code"] == "unsupported_media_type"

    async def test_png_named_pdf_is_415(self, client, team):
        v = await draft(client, team)
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                              files={"file": ("scan.pdf", PNG, "application/pdf")})
        assert r.status_code == 415

    async def test_unlisted_extension_is_415(self, client, team):
        v = await draft(client, team)
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                              files={"file": ("notes.txt", b"hello", "text/plain")})
        assert r.status_code == 415

    async def test_over_the_limit_is_413(self, client, team, monkeypatch):
        from api.config import get_settings

        monkeypatch.setattr(get_settings(), "max_upload_bytes", 1024)
        v = await draft(client, team)
        r = await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                              files={"file": ("big.pdf", PDF + b"0" * 2048, "application/pdf")})
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large"

    async def test_public_downloads_only_the_published_versions_files(self, client, team):
        v = await draft(client, team)
        att = (await client.post(f"/api/v1/disclosure-versions/{v['id']}/attachments", headers=team.h(team.editor),
                                 files={"file": ("a.png", PNG, "image/png")})).json()
        url = f"/api/v1/disclosures/{v['disclosure_id']}/attachments/{att['id']}"
        assert (await client.get(url)).status_code == 404
        for user, action in ((team.editor, "submit"), (team.reviewer, "approve"), (team.secrecy, "publish")):
            await client.post(f"/api/v1/disclosure-versions/{v['id']}/{action}", json={}, headers=team.h(user))
        r = await client.get(url)
        assert r.status_code == 200
        assert r.content == PNG
        assert (await client.get(f"/api/v1/disclosures/{v['disclosure_id']}")).json()["has_attachments"] is True
