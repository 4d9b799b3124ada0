"""The eight services named in the seeds, with realistic guides and forms (our text, for the demo)."""

import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit.service import SYSTEM
from api.auth.models import OrgUnit
from api.catalog import service as catalog
from api.catalog.models import Service
from api.catalog.schemas import ServiceCreate
from api.files import service as files

CONSULT = "0571-87000000"
COMPLAINT = "0571-12345"
WHERE = "机关综合服务大厅（行政中心一楼）"
HOURS = "工作日 8:30–12:00，14:00–17:30"


def _docx(title: str, lines: list[str]) -> bytes:
    """A minimal Word document: enough for a blank form template to open in any office suite."""
    paras = "".join(f"<w:p><w:r><w:t>{escape(t)}</w:t></w:r></w:p>" for t in [title, *lines])
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f"<w:body>{paras}</w:body></w:document>")
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/'
             'word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
             'document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", doc)
    return buf.getvalue()


def F(name: str, label: str, type_: str, order: int, required: bool = True, **kw: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type_, "order": order, "required": required, **kw}


def M(name: str, required: bool = True, copies: str = "电子版1份", note: str | None = None,
      template: bool = False) -> dict[str, Any]:
    return {"name": name, "required": required, "copies": copies, "note": note, "template": template}


PERSON = [
    F("applicant_name", "申请人姓名", "string", 1, max_length=30),
    F("id_number", "公民身份号码", "resident_id", 2),
    F("phone", "联系电话", "phone", 3),
    F("work_unit", "工作单位", "string", 4, help="填写所在单位全称"),
]

SERVICES: list[dict[str, Any]] = [
    {
        "code": "RYCRZ", "name": "人员出入证办理", "category": "出入管理", "owner": "BGS", "approvals": [],
        "promised_days": 3, "statutory_days": 5,
        "legal_basis": ["《机关办公区安全管理规定》", "《某市机关事务管理局办公区出入管理办法》第八条"],
        "eligibility": ["在机关办公区工作的在编人员、聘用人员", "长期驻场服务的外包单位人员（须由服务单位出具证明）"],
        "materials": [M("人员出入证申请表", template=True), M("一寸免冠彩色证件照", copies="电子版1份（JPG/PNG）"),
                      M("所在单位证明", required=False, note="外包服务人员提供")],
        "steps": ["网上提交申请", "办公室审核（1个工作日）", "制证", "凭身份证到服务大厅领取"],
        "form": [*PERSON,
                 F("staff_kind", "人员类别", "single_choice", 5, options=["在编人员", "聘用人员", "外包服务人员"]),
                 F("photo", "证件照", "file", 6, help="一寸免冠彩色照片，JPG 或 PNG", max_files=1),
                 F("unit_proof", "单位证明", "file", 7, required=False, help="外包服务人员须上传")],
    },
    {
        "code": "CLCRZ", "name": "车辆出入证办理", "category": "出入管理", "owner": "CLGLZX",
        "approvals": ["CLGLZX", "BGS"], "promised_days": 5, "statutory_days": 10,
        "legal_basis": ["《机关办公区车辆停放管理办法》", "《某市机关事务管理局公务车辆管理规定》第十二条"],
        "eligibility": ["在机关办公区工作的人员本人名下或配偶名下的非营运小型车辆", "每人限办一张长期车辆出入证"],
        "materials": [M("车辆出入证申请表", template=True), M("机动车行驶证（正、副页）", copies="扫描件1份"),
                      M("机动车驾驶证", copies="扫描件1份"),
                      M("结婚证", required=False, note="车辆登记在配偶名下时提供")],
        "steps": ["网上提交申请", "车辆管理中心受理并核验车辆信息", "办公室并联审核停车位",
                  "办结后凭受理编号领取电子通行证"],
        "form": [*PERSON,
                 F("plate_no", "车牌号码", "string", 5, max_length=10, help="如 浙A12345；新能源车牌为 8 位"),
                 F("vehicle_type", "车辆类型", "single_choice", 6, options=["小型轿车", "SUV", "新能源车", "其他"]),
                 F("pass_type", "通行证类型", "single_choice", 7, options=["长期", "临时（3个月以内）"]),
                 F("valid_from", "起始日期", "date", 8),
                 F("reason", "申请事由", "text", 9, required=False, max_length=500),
                 F("license_files", "行驶证、驾驶证扫描件", "file", 10, help="PDF、JPG 或 PNG，最多 3 个文件",
                   max_files=3)],
    },
    {
        "code": "JCKBL", "name": "就餐卡办理", "category": "后勤服务", "owner": "SHFWZX", "approvals": [],
        "promised_days": 2, "statutory_days": 5,
        "legal_basis": ["《机关食堂管理办法》第六条"],
        "eligibility": ["机关在编、聘用人员及经批准的驻场人员"],
        "materials": [M("就餐卡申请表", template=True)],
        "steps": ["网上提交申请", "生活服务中心审核", "制卡并充值", "到食堂服务窗口领取"],
        "form": [*PERSON,
                 F("card_kind", "办理类型", "single_choice", 5, options=["新办", "补办", "注销"]),
                 F("initial_amount", "首次充值金额（元）", "number", 6, required=False, min=0, max=2000),
                 F("meals", "就餐时段", "multiple_choice", 7, options=["早餐", "午餐", "晚餐"])],
    },
    {
        "code": "JTHK", "name": "集体户口办理", "category": "人事服务", "owner": "BGS", "approvals": [],
        "promised_days": 10, "statutory_days": 20,
        "legal_basis": ["《中华人民共和国户口登记条例》", "《某市集体户口管理实施细则》"],
        "eligibility": ["新录用、调入本局的工作人员，户口尚未落户本市的"],
        "materials": [M("集体户口落户申请表", template=True), M("户口迁移证", copies="扫描件1份"),
                      M("录用或调动通知书", copies="扫描件1份"), M("居民身份证", copies="正反面扫描件1份")],
        "steps": ["网上提交申请", "办公室审核材料", "出具接收证明", "申请人持证明到派出所办理落户"],
        "form": [*PERSON,
                 F("birth_date", "出生日期", "date", 5),
                 F("origin", "原户籍地址", "string", 6, max_length=100),
                 F("move_reason", "迁入原因", "single_choice", 7, options=["新录用", "调入", "其他"]),
                 F("documents", "迁移证及录用（调动）通知书", "file", 8, max_files=5)],
    },
    {
        "code": "GJYP", "name": "公交月票办理", "category": "后勤服务", "owner": "CLGLZX", "approvals": [],
        "promised_days": 3, "statutory_days": 5,
        "legal_basis": ["《机关工作人员通勤补贴管理办法》"],
        "eligibility": ["未享受公务用车通勤保障的机关工作人员"],
        "materials": [M("公交月票申领表", template=True)],
        "steps": ["网上提交申请", "车辆管理中心审核", "统一向公交集团申领", "次月 1 日前发放"],
        "form": [*PERSON,
                 F("month", "申领月份", "date", 5, help="选择当月任意一天"),
                 F("route", "常用线路", "string", 6, required=False, max_length=50)],
    },
    {
        "code": "YERT", "name": "幼儿入托办理", "category": "后勤服务", "owner": "SHFWZX", "approvals": [],
        "promised_days": 10, "statutory_days": 15,
        "legal_basis": ["《幼儿园管理条例》", "《机关幼儿园招生办法》"],
        "eligibility": ["机关工作人员子女，入园当年 9 月 1 日满 3 周岁"],
        "materials": [M("入托申请表", template=True), M("儿童出生医学证明", copies="扫描件1份"),
                      M("儿童预防接种证", copies="扫描件1份"), M("入园体检表", copies="扫描件1份")],
        "steps": ["网上提交申请", "生活服务中心初审", "幼儿园复核并安排体检", "公布录取名单"],
        "form": [*PERSON,
                 F("child_name", "幼儿姓名", "string", 5, max_length=30),
                 F("child_id_number", "幼儿身份号码", "resident_id", 6),
                 F("enrol_class", "报名班级", "single_choice", 7, options=["托班", "小班", "中班", "大班"]),
                 F("certificates", "出生证明、接种证、体检表", "file", 8, max_files=5)],
    },
    {
        "code": "SDBX", "name": "水电报修", "category": "物业服务", "owner": "WYGS", "approvals": [],
        "promised_days": 1, "statutory_days": 3,
        "legal_basis": ["《机关办公用房维修管理办法》", "《物业服务合同》"],
        "eligibility": ["机关办公区及职工宿舍区的水、电、门锁等设施故障"],
        "materials": [M("故障现场照片", required=False, copies="JPG/PNG 1–3 张")],
        "steps": ["网上报修", "物业公司派单（2 小时内）", "维修人员上门", "报修人确认完成"],
        "form": [F("applicant_name", "报修人", "string", 1, max_length=30), F("phone", "联系电话", "phone", 2),
                 F("location", "报修地点", "string", 3, max_length=100, help="楼栋、楼层、房间号"),
                 F("fault_kind", "故障类型", "single_choice", 4, options=["水路", "电路", "门锁", "空调", "其他"]),
                 F("description", "故障描述", "text", 5, max_length=500),
                 F("visit_time", "方便上门时间", "datetime", 6, required=False),
                 F("photos", "现场照片", "file", 7, required=False, max_files=3)],
    },
    {
        "code": "HWDJ", "name": "会务登记", "category": "会务服务", "owner": "BGS", "approvals": [],
        "promised_days": 2, "statutory_days": 5,
        "legal_basis": ["《机关会议室使用管理规定》", "中央八项规定精神有关会议活动的要求"],
        "eligibility": ["机关各处室、直属单位召开的工作会议"],
        "materials": [M("会议议程", copies="电子版1份"), M("参会人员名单", required=False)],
        "steps": ["网上登记", "办公室审核并安排会议室", "会务保障", "会后确认"],
        "form": [F("organizer", "主办处室", "string", 1, max_length=50),
                 F("contact", "联系人", "string", 2, max_length=30),
                 F("phone", "联系电话", "phone", 3), F("title", "会议名称", "string", 4, max_length=100),
                 F("start_at", "开始时间", "datetime", 5), F("attendees", "参会人数", "number", 6, min=1, max=500),
                 F("needs", "会务需求", "multiple_choice", 7, required=False,
                   options=["投影", "音响", "视频会议", "茶水", "桌签"]),
                 F("agenda", "会议议程", "file", 8, max_files=2)],
    },
]


async def load(session: AsyncSession, units: dict[str, OrgUnit]) -> None:
    for order, spec in enumerate(SERVICES, start=1):
        materials = [{k: v for k, v in m.items() if k != "template"} for m in spec["materials"]]
        data = ServiceCreate(
            code=spec["code"], name=spec["name"], category=spec["category"], owner_unit_id=units[spec["owner"]].id,
            promised_days=spec["promised_days"], statutory_days=spec["statutory_days"],
            approval_unit_ids=[units[c].id for c in spec["approvals"]],
            guide={"legal_basis": spec["legal_basis"], "eligibility": spec["eligibility"], "materials": materials,
                   "steps": spec["steps"], "fees": "不收费", "where": WHERE, "how": "网上办理，结果可邮寄或窗口领取",
                   "hours": HOURS, "consult_phone": CONSULT, "complaint_phone": COMPLAINT},
            form=spec["form"])
        service = await catalog.create_service(session, data, SYSTEM)
        service.sort_order = order
        version = (await catalog.get_current(session, service.code))[1]
        guide = dict(version.guide)
        guide["materials"] = list(guide["materials"])
        for i, m in enumerate(spec["materials"]):
            if m["template"]:
                lines = [f"{f['label']}：" for f in spec["form"] if f["type"] != "file"] + ["申请人签字：", "日期："]
                att = await files.store_bytes(session, _docx(m["name"], lines), f"{m['name']}.docx",
                                              catalog.TEMPLATE_OWNER, service.id)
                guide["materials"][i] = {**guide["materials"][i], "template_attachment_id": att.id}
        version.guide = guide
    await session.flush()


__all__ = ["SERVICES", "Service", "load"]
