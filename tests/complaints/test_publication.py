from tests.complaints.helpers import act, complaint_id, replied, submit_anonymous, world
from tests.factories import auth

URL = "/api/v1/complaints"
PERSONAL = ("我叫王小红，电话13800138000，身份证号110101199003071234，"
            "住在人民路88号3栋2单元501室。楼下李明先生也反映过。")


async def consented(client, w):
    return await replied(client, w, body=PERSONAL, writer_name="王小红", consent_publish=True)


class TestPublicationPreview:
    async def test_personal_data_is_masked_for_the_editor_to_review(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        r = await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))
        assert r.status_code == 200
        body = r.json()["body"]
        assert "138****8000" in body
        assert "13800138000" not in body
        assert "110101199003071234" not in body and "******************" in body
        assert "王**" in body and "王小红" not in body
        assert "李*先生" in body
        assert "人民路***" in body and "88号" not in body

    async def test_letter_without_consent_is_not_offered_to_editors(self, client, session):
        w = await world(session)
        cid, _ = await replied(client, w)
        assert (await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))).status_code == 404

    async def test_unanswered_letter_cannot_be_previewed(self, client, session):
        w = await world(session)
        cid = await complaint_id(client, w, await submit_anonymous(client, w, consent_publish=True))
        r = await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.leader))
        assert r.status_code == 403  # the leader sees it but is no editor


class TestPublishComplaint:
    async def test_editor_publishes_the_reviewed_text(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        preview = (await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))).json()
        r = await act(client, w.editor, cid, "publication", preview)
        assert r.status_code == 201
        listed = (await client.get(f"{URL}/published")).json()["items"]
        assert [p["subject"] for p in listed] == ["车库照明不足"]
        assert "138****8000" in listed[0]["body"]
        assert listed[0]["reply"] == "已安排维修，感谢来信。"
        one = await client.get(f"{URL}/published/{listed[0]['id']}")
        assert one.status_code == 200

    async def test_an_edit_that_reintroduces_a_phone_number_is_masked_again(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        preview = (await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))).json()
        preview["body"] += "补充：可拨打13912345678联系。"
        pub = (await act(client, w.editor, cid, "publication", preview)).json()
        assert "139****5678" in pub["body"]

    async def test_public_search_finds_published_letters(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        preview = (await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))).json()
        await act(client, w.editor, cid, "publication", preview)
        assert len((await client.get(f"{URL}/published", params={"q": "照明"})).json()["items"]) == 1
        assert (await client.get(f"{URL}/published", params={"q": "食堂"})).json()["items"] == []

    async def test_publishing_twice_answers_409(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        preview = (await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))).json()
        await act(client, w.editor, cid, "publication", preview)
        r = await act(client, w.editor, cid, "publication", preview)
        assert r.status_code == 409

    async def test_handler_cannot_publish(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        r = await act(client, w.triager, cid, "publication", {"subject": "a", "body": "b", "reply": "c"})
        assert r.status_code == 403

    async def test_withdrawn_letter_leaves_the_public_list(self, client, session):
        w = await world(session)
        cid, _ = await consented(client, w)
        preview = (await client.get(f"{URL}/{cid}/publication-preview", headers=auth(w.editor))).json()
        pub = (await act(client, w.editor, cid, "publication", preview)).json()
        r = await client.delete(f"{URL}/{cid}/publication", headers=auth(w.editor))
        assert r.status_code == 204
        assert (await client.get(f"{URL}/published/{pub['id']}")).status_code == 404
        assert (await client.get(f"{URL}/published")).json()["items"] == []


class TestStatistics:
    async def test_rates_per_mailbox_and_department(self, client, session):
        w = await world(session)
        _, receipt = await replied(client, w)
        await client.post(f"{URL}/lookup/rating", json={"tracking_no": receipt["tracking_no"],
                                                        "query_code": receipt["query_code"],
                                                        "satisfaction": "satisfied"})
        accepted = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, accepted, "accept")
        spam = await complaint_id(client, w, await submit_anonymous(client, w))
        await act(client, w.triager, spam, "not-accept", {"reason": "spam", "note": "广告"})
        r = await client.get(f"{URL}/statistics", headers=auth(w.leader))
        assert r.status_code == 200
        total = r.json()["total"]
        assert (total["received"], total["accepted"], total["not_accepted"], total["replied"]) == (3, 2, 1, 1)
        assert total["due"] == 2  # the reply and the letter not accepted; the accepted one is within its limit
        assert total["reply_rate"] == 50.0
        assert total["on_time_rate"] == 100.0
        assert total["satisfaction_rate"] == 100.0
        director = next(m for m in r.json()["by_mailbox"] if m["id"] == w.mailbox.id)
        assert director["received"] == 3
        cars = next(d for d in r.json()["by_department"] if d["id"] == w.cars.id)
        assert (cars["received"], cars["replied"]) == (1, 1)

    async def test_public_cannot_read_staff_statistics(self, client, session):
        w = await world(session)
        assert (await client.get(f"{URL}/statistics", headers=auth(w.citizen))).status_code == 403

    async def test_bad_date_range_answers_422(self, client, session):
        w = await world(session)
        r = await client.get(f"{URL}/statistics", params={"start": "2026-05-01", "end": "2026-04-01"},
                             headers=auth(w.leader))
        assert r.status_code == 422
