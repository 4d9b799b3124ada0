"""Demo surveys and consultations, all run by 办公室's editor: one survey open, one closed with responses
(so the results charts have something to show), one consultation open, one closed with its 采纳情况."""

import io
import random
import zipfile
from datetime import timedelta
from xml.sax.saxutils import escape

from fastapi import UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.models import OrgUnit, User
from api.auth.service import load_user, to_principal
from api.database import utcnow
from api.surveys import service
from api.surveys.models import ConsultationComment, SurveyResponse
from api.surveys.schemas import ConsultationCreate, QuestionIn, SurveyCreate
from api.surveys.states import QuestionKind

OPEN_SURVEY = "机关食堂服务满意度调查（2026年第四季度）"
CLOSED_SURVEY = "机关办公区停车管理意见调查"
OPEN_CONSULTATION = "《机关公务用车管理办法（征求意见稿）》公开征求意见"
CLOSED_CONSULTATION = "《机关办公用房维修管理规定（征求意见稿）》公开征求意见"

CANTEEN_QUESTIONS = [
    QuestionIn(kind=QuestionKind.single, text="您多久在机关食堂就餐一次？",
               options=["每天", "每周三到四次", "每周一到两次", "很少"]),
    QuestionIn(kind=QuestionKind.multiple, text="您希望食堂在哪些方面改进？（可多选）",
               options=["菜品种类", "口味", "价格", "卫生", "排队时间"]),
    QuestionIn(kind=QuestionKind.rating, text="您对食堂服务的总体评价（1–5 分）"),
    QuestionIn(kind=QuestionKind.text, text="其他意见和建议", required=False),
]
PARKING_QUESTIONS = [
    QuestionIn(kind=QuestionKind.single, text="您通常如何到达办公区？",
               options=["自驾", "公共交通", "骑行", "步行"]),
    QuestionIn(kind=QuestionKind.multiple, text="您认为停车管理的主要问题是？（可多选）",
               options=["车位不足", "外来车辆占用", "收费不合理", "指引标识不清"]),
    QuestionIn(kind=QuestionKind.rating, text="您对现行停车管理的满意程度（1–5 分）"),
    QuestionIn(kind=QuestionKind.text, text="您对停车管理的具体建议", required=False),
]
PARKING_TEXTS = ["建议增设访客临时车位。", "地下车库指引标识需要更新。", "希望高峰时段增加保安疏导。",
                 "可以考虑错峰停车。", "建议增加非机动车停放区。", "外来车辆登记应更严格。"]
DRAFT_TEXT = """第一章 总则
第一条 为规范机关公务用车管理，降低行政成本，根据有关规定，结合本机关实际，制定本办法。
第二条 本办法所称公务用车，是指机关及所属单位用于机要通信、应急保障、执法执勤等公务活动的车辆。
第二章 使用管理
第三条 公务用车实行集中管理、统一调度，由车辆管理中心负责日常运行。
第四条 使用公务用车应当事先提出申请，经批准后由车辆管理中心派车。
第三章 附则
第五条 本办法自印发之日起施行。"""
REPAIR_TEXT = """第一条 为加强机关办公用房维修管理，保障办公用房安全和正常使用，制定本规定。
第二条 办公用房维修分为日常维修和专项维修。
第三条 日常维修由物业服务公司负责，专项维修由房产管理处组织实施。"""
SUMMARY = ("本次征求意见期间共收到意见 5 条。经研究，采纳 3 条：一是明确日常维修的响应时限；二是增加维修完成后的"
           "验收环节；三是将专项维修计划纳入年度预算。部分采纳 1 条：关于维修费用公开的建议，将在年度预算公开中"
           "体现。未采纳 1 条：关于由各使用单位自行维修的建议，与集中管理原则不符。感谢各方的关心和支持。")


def _docx(paragraphs: list[str]) -> bytes:
    """A minimal Word document (enough for Word, WPS and LibreOffice) holding the draft's text."""
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return out.getvalue()


async def load(session: AsyncSession, units: dict[str, OrgUnit]) -> None:
    editor_id = (await session.execute(select(User.id).where(User.username == "editor"))).scalar_one()
    user = await load_user(session, editor_id)
    assert user is not None
    editor = to_principal(user)
    now = utcnow()
    rng = random.Random(2026)

    canteen = await service.create_survey(session, editor, SurveyCreate(
        title=OPEN_SURVEY, description="为进一步提升机关食堂服务水平，诚邀您参与本次调查，约需 2 分钟。",
        opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=30), questions=CANTEEN_QUESTIONS))
    await service.publish_survey(session, editor, canteen)

    parking = await service.create_survey(session, editor, SurveyCreate(
        title=CLOSED_SURVEY, description="了解干部职工和来访群众对办公区停车管理的意见，调查已结束。",
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10), questions=PARKING_QUESTIONS))
    await service.publish_survey(session, editor, parking)
    await session.refresh(parking, ["questions"])
    q = parking.questions
    for i in range(36):
        answers = {
            str(q[0].id): rng.choices(q[0].options, weights=[5, 4, 2, 1])[0],
            str(q[1].id): rng.sample(q[1].options, rng.randint(1, 3)),
            str(q[2].id): rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 5, 3])[0],
        }
        if i % 5 == 0:
            answers[str(q[3].id)] = PARKING_TEXTS[(i // 5) % len(PARKING_TEXTS)]
        session.add(SurveyResponse(survey_id=parking.id, ip_hash=f"demo-{i:03d}", answers=answers,
                                   submitted_at=now - timedelta(days=40 - i * 0.8)))

    cars = await service.create_consultation(session, editor, ConsultationCreate(
        title=OPEN_CONSULTATION, description="欢迎社会各界和干部职工提出修改意见。", draft_text=DRAFT_TEXT))
    doc = UploadFile(io.BytesIO(_docx(DRAFT_TEXT.splitlines())), filename="机关公务用车管理办法（征求意见稿）.docx")
    await service.add_attachment(session, editor, cars, doc)
    await service.open_consultation(session, editor, cars, None)

    repair = await service.create_consultation(session, editor, ConsultationCreate(
        title=CLOSED_CONSULTATION, description="征求意见已结束，现公布意见采纳情况。", draft_text=REPAIR_TEXT))
    await service.open_consultation(session, editor, repair, None, now=now - timedelta(days=45))
    for i, body in enumerate(["建议明确日常维修的响应时限。", "维修完成后应有验收环节。", "专项维修应纳入年度预算。",
                              "维修费用应当公开。", "建议各单位自行维修，提高效率。"]):
        session.add(ConsultationComment(consultation_id=repair.id, name=None, body=body,
                                        ip_hash=f"demo-{i}", created_at=now - timedelta(days=40 - i)))
    await service.publish_summary(session, editor, repair, SUMMARY)
    await service.close_consultation(session, editor, repair)
    await session.flush()
