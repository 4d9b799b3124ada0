"""Demo catalogue: the usual 信息公开目录 columns and a few hundred believable items (written for
the demo), plus a few items waiting in each queue so the workspace is not empty."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.audit.service import SYSTEM
from api.auth.models import OrgUnit, User
from api.disclosures import service
from api.disclosures.models import Column, Disclosure, DisclosureVersion
from api.disclosures.states import ChangeKind, DisclosureStatus, Freshness, Validity, VersionStatus

# slug, name, freshness, homepage
COLUMNS = [
    ("jgzn", "机构职能", Freshness.static, False),
    ("ldxx", "领导信息", Freshness.personnel, False),
    ("nsjg", "内设机构", Freshness.static, False),
    ("zsdw", "直属单位", Freshness.static, False),
    ("zcwj", "政策文件", Freshness.notice, True),
    ("ghjh", "规划计划", Freshness.personnel, False),
    ("tzgg", "通知公告", Freshness.notice, True),
    ("gzdt", "工作动态", Freshness.dynamic, True),
    ("rsxx", "人事信息", Freshness.personnel, False),
    ("tjxx", "统计信息", Freshness.notice, False),
    ("czyjs", "财政预决算", Freshness.personnel, False),
    ("zfcg", "政府采购", Freshness.notice, False),
    ("zbtb", "招标投标", Freshness.notice, False),
    ("bszn", "办事指南", Freshness.static, False),
    ("gzzd", "工作制度", Freshness.static, False),
    ("jdts", "监督投诉", Freshness.static, False),
]

TOPICS = ["综合政务", "财政、金融、审计", "国土资源、能源", "城乡建设、环境保护", "劳动、人事、监察", "机构编制",
          "交通", "卫生、体育", "其他"]
UNITS = ["办公室", "计划财务处", "房产管理处", "节能办", "车辆管理中心", "生活服务中心", "机关物业服务公司"]
PLACES = ["市级机关集中办公区", "市行政中心", "机关一号院", "机关二号院", "东城办公区", "南湖办公楼"]
SUBJECTS = ["公共机构节能", "办公用房管理", "公务用车管理", "机关食堂服务", "机关幼儿园", "物业服务质量",
            "垃圾分类", "政府采购", "固定资产清查", "安全生产", "节水型单位创建", "新能源汽车充电设施",
            "会议服务保障", "集体户口管理", "办公区安全保卫", "绿色办公", "能耗统计", "维修工程"]

TEMPLATES: dict[str, list[tuple[str, str, str]]] = {
    # column slug -> (title, genre, body) with {subject} {place} {unit} {year} {n} {month}
    "gzdt": [
        ("{unit}召开{subject}工作推进会", "工作动态",
         "{month}月{n}日，{unit}召开{subject}工作推进会，总结前一阶段工作，部署下一步重点任务。会议指出，"
         "要坚持问题导向，压实工作责任，确保{subject}各项措施落到实处。{place}各使用单位负责同志参加会议。"),
        ("{place}完成{subject}专项检查", "工作动态",
         "为进一步提升{subject}水平，{unit}近日组织对{place}开展专项检查，共检查点位{n}处，发现问题{m}项，"
         "已全部建立台账，明确整改时限。"),
        ("局领导带队调研{subject}工作", "工作动态",
         "近日，局领导带队赴{place}调研{subject}工作，实地察看运行情况，听取{unit}工作汇报，"
         "要求各部门强化服务意识，持续提升机关运行保障水平。"),
    ],
    "tzgg": [
        ("关于开展{year}年度{subject}工作的通知", "通知",
         "各有关单位：根据年度工作安排，现就{year}年度{subject}工作通知如下。一、工作范围：{place}。"
         "二、时间安排：自{month}月起，为期{n}天。三、工作要求：各单位要高度重视，指定专人负责，按时报送材料。"),
        ("关于{place}{subject}期间临时调整服务安排的公告", "公告",
         "因{subject}需要，{place}部分服务将临时调整，具体安排如下：调整时间为{month}月{n}日至{month}月{m}日。"
         "给您带来的不便，敬请谅解。咨询电话：0531-8888{n:04d}。"),
    ],
    "zcwj": [
        ("某市机关事务管理局关于印发《{subject}管理办法》的通知", "通知",
         "各处室、各直属单位：《{subject}管理办法》已经局务会议审议通过，现印发给你们，请结合实际认真贯彻执行。"
         "第一条 为规范{subject}工作，根据有关法律法规，结合本市实际，制定本办法。第二条 本办法适用于{place}。"),
        ("关于进一步加强{subject}的实施意见", "意见",
         "为深入贯彻落实上级部署，进一步加强{subject}，现提出如下实施意见。一、总体要求。二、主要任务。"
         "三、保障措施。各单位要加强组织领导，确保各项任务落地见效。"),
    ],
    "ghjh": [
        ("某市机关事务管理局{year}年{subject}工作计划", "计划",
         "{year}年，{unit}将围绕{subject}重点做好以下工作：一是完善制度体系；二是推进信息化建设；"
         "三是加强监督检查。全年计划完成重点任务{n}项。"),
    ],
    "rsxx": [
        ("某市机关事务管理局{year}年公开招聘工作人员公告", "公告",
         "根据工作需要，经研究决定，{year}年公开招聘工作人员{m}名。报名时间为{month}月{n}日至{month}月{m}日，"
         "报名方式为网上报名。"),
        ("关于{unit}干部任前公示的公告", "公示",
         "根据干部选拔任用有关规定，现将拟任职人员情况予以公示。公示期为5个工作日。"),
    ],
    "tjxx": [
        ("{year}年{month}月{place}能源资源消耗统计", "统计数据",
         "{year}年{month}月，{place}用电量{n}万千瓦时，用水量{m}千吨，同比分别下降2.{m}%和1.{n}%。"),
    ],
    "czyjs": [
        ("某市机关事务管理局{year}年部门预算公开", "预算",
         "按照预算公开有关要求，现将本局{year}年部门预算予以公开。收入预算{n}万元，支出预算{n}万元，"
         "其中“三公”经费预算{m}万元，比上年减少。"),
        ("某市机关事务管理局{year}年部门决算公开", "决算",
         "现将本局{year}年部门决算公开如下：本年收入合计{n}万元，本年支出合计{n}万元。"),
    ],
    "zfcg": [
        ("{place}{subject}服务项目采购意向公开", "采购意向",
         "为便于供应商及时了解采购信息，现将{place}{subject}服务项目采购意向公开如下：预算金额{n}万元，"
         "预计采购时间{year}年{month}月。投标文件中涉及商业秘密的内容请予以标注。"),
        ("{place}{subject}项目中标结果公告", "结果公告",
         "{place}{subject}项目已完成评审，现将中标结果公告如下：中标金额{n}万元，服务期{m}个月。"),
    ],
    "zbtb": [
        ("{place}{subject}工程招标公告", "招标公告",
         "{place}{subject}工程已具备招标条件，现公开招标。工程估算{n}万元，工期{m}0日历天。"),
    ],
    "bszn": [
        ("{subject}办事指南", "办事指南",
         "一、办理对象：{place}在职工作人员。二、办理材料：申请表、身份证明。三、办理时限：{m}个工作日。"
         "四、办理地点：{place}服务大厅。"),
    ],
    "gzzd": [
        ("{unit}{subject}工作制度", "制度",
         "第一条 为规范{subject}工作，制定本制度。第二条 {unit}负责组织实施。第三条 本制度自印发之日起施行。"),
    ],
    "jgzn": [("某市机关事务管理局主要职责", "职能",
              "负责市级机关事务的管理、保障和服务工作，拟订有关制度并组织实施。")],
    "ldxx": [("局领导工作分工", "领导信息", "局长主持全面工作；副局长分管办公用房、公务用车和节能管理工作。")],
    "nsjg": [("内设机构及职责", "机构", "局机关设办公室、计划财务处、房产管理处、节能办等内设机构。")],
    "zsdw": [("直属单位概况", "机构", "直属单位包括车辆管理中心、生活服务中心和机关物业服务公司。")],
    "jdts": [("监督投诉渠道", "监督", "对本局政府信息公开工作有意见的，可通过局长信箱或电话 0531-88880000 反映。")],
}
COUNTS = {"gzdt": 110, "tzgg": 50, "zcwj": 30, "ghjh": 12, "rsxx": 14, "tjxx": 24, "czyjs": 10, "zfcg": 30,
          "zbtb": 14, "bszn": 10, "gzzd": 10, "jgzn": 1, "ldxx": 1, "nsjg": 1, "zsdw": 1, "jdts": 1}


async def seed_columns(session: AsyncSession, owner: OrgUnit) -> dict[str, Column]:
    cols = {}
    for i, (slug, name, freshness, home) in enumerate(COLUMNS, start=1):
        col = Column(name=name, slug=slug, owner_unit_id=owner.id, freshness=freshness, is_homepage=home,
                     review_levels=1, sort_order=i)
        session.add(col)
        cols[slug] = col
    await session.flush()
    return cols


def _render(template: str, rnd: random.Random, year: int) -> str:
    values: dict[str, Any] = {"subject": rnd.choice(SUBJECTS), "place": rnd.choice(PLACES),
                              "unit": rnd.choice(UNITS), "year": year, "n": rnd.randint(3, 28),
                              "m": rnd.randint(2, 9), "month": rnd.randint(1, 12)}
    return template.format(**values)


def _paragraphs(text: str) -> str:
    parts = [p for p in text.replace("。", "。\n").split("\n") if p.strip()]
    return "".join(f"<p>{p}</p>" for p in parts)


async def load(session: AsyncSession, units: dict[str, OrgUnit]) -> None:
    rnd = random.Random(20261124)
    bgs = units["BGS"]
    cols = await seed_columns(session, bgs)
    editor = (await session.execute(select(User).where(User.username == "editor"))).scalar_one()
    now = datetime.now(UTC)
    made = 0
    plan = [(slug, i) for slug, n in COUNTS.items() for i in range(n)]
    # Oldest first, so 索引号 sequences follow publication order.
    stamps = sorted(now - timedelta(days=rnd.uniform(0.2, 700), minutes=rnd.randint(0, 600)) for _ in plan)
    rnd.shuffle(plan)
    for (slug, _), published_at in zip(plan, stamps, strict=True):
        title_t, genre, body_t = rnd.choice(TEMPLATES[slug])
        seed = rnd.random()
        year = published_at.year
        sub = random.Random(seed)
        title, body = _render(title_t, sub, year), _render(body_t, random.Random(seed), year)
        doc_no = f"某机管发〔{year}〕{rnd.randint(1, 60)}号" if slug in ("zcwj", "tzgg", "ghjh") else None
        expired = slug == "zcwj" and published_at < now - timedelta(days=500)
        written = published_at.date() - timedelta(days=rnd.randint(1, 10))
        d = Disclosure(
            status=DisclosureStatus.published, column_id=cols[slug].id, publisher_id=bgs.id, title=title[:300],
            summary=body[:80] + "…", body_html=_paragraphs(body), doc_no=doc_no, topic=rnd.choice(TOPICS),
            genre=genre, written_date=written, validity=Validity.expired if expired else Validity.valid,
            effective_date=written, invalid_date=date(year + 1, 1, 1) if expired else None, version_no=1,
            published_at=published_at, first_published_at=published_at, updated_at=published_at,
            created_by_id=editor.id, created_at=published_at, search_text="")
        session.add(d)
        await session.flush()
        d.index_no = await service.assign_index_no(session, bgs, published_at)
        v = DisclosureVersion(disclosure_id=d.id, version_no=1, status=VersionStatus.published, author_id=editor.id,
                              findings=[], submitted_at=published_at, published_at=published_at,
                              created_at=published_at, updated_at=published_at)
        service._copy_content(d, v)
        session.add(v)
        await session.flush()
        d.published_version_id = v.id
        d.search_text = service._search_text(d)
        await service.record_change(session, d, ChangeKind.created, published_at)
        made += 1
    await _queue_examples(session, cols, bgs, editor)
    await audit.record(session, SYSTEM, "demo.load", "disclosure", None, {"published": made})


async def _queue_examples(session: AsyncSession, cols: dict[str, Column], bgs: OrgUnit, editor: User) -> None:
    """One draft, one item waiting for review, one in secrecy review with personal data flagged."""
    from api.auth.models import Role, UserKind
    from api.auth.principal import Grant, Principal
    from api.disclosures.schemas import DisclosureCreate

    p = Principal(editor.id, editor.username, editor.display_name, UserKind.staff, bgs.id, bgs.path,
                  (Grant(Role.editor, bgs.id, bgs.path),))
    await service.create_disclosure(session, p, DisclosureCreate(
        column_id=cols["gzdt"].id, title="机关二号院充电桩建设进展情况（草稿）",
        body_html="<p>机关二号院新能源汽车充电桩建设已完成土建施工，正在进行设备安装调试。</p>"))
    v = await service.create_disclosure(session, p, DisclosureCreate(
        column_id=cols["tzgg"].id, title="关于机关食堂延长晚餐供应时间的通知",
        body_html="<p>自下月起，机关食堂晚餐供应时间延长至19:30，请各单位相互转告。</p>"))
    await service.submit(session, p, v, "请审核")
    v = await service.create_disclosure(session, p, DisclosureCreate(
        column_id=cols["rsxx"].id, title="生活服务中心拟聘用人员公示",
        body_html="<p>拟聘用人员：王某某，联系电话 13912345678。公示期 5 个工作日。</p>"))
    await service.submit(session, p, v, "含联系电话，请保密审查员确认")
    reviewer = (await session.execute(select(User).where(User.username == "reviewer"))).scalar_one()
    r = Principal(reviewer.id, reviewer.username, reviewer.display_name, UserKind.staff, bgs.id, bgs.path,
                  (Grant(Role.reviewer, bgs.id, bgs.path),))
    await service.approve(session, r, v, "同意，转保密审查")
