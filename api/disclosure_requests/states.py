"""依申请公开 as data: the request's workflow, the applicant types and channels the 条例 and the annual report
name, and the reply outcomes with their reason codes (国办公开办函〔2021〕30号's rows). Labels live here only;
GET /vocabulary serves them to the SPA."""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from api.cases.workflow import Notice, Reminders, Step, Workflow, register, register_enum


class RequestStatus(StrEnum):
    received = "received"  # 已收到, the reply clock runs
    supplement_requested = "supplement_requested"  # 补正: waiting for the applicant's correction
    consulting = "consulting"  # 征求第三方或其他机关意见: the clock is paused
    fee_notified = "fee_notified"  # 收费通知 sent: the clock is paused until payment
    replied = "replied"  # 已答复
    closed = "closed"  # 终止处理 (逾期不补正, 逾期未缴费)


class RequestAction(StrEnum):
    submit = "submit"
    request_supplement = "request_supplement"
    supplement = "supplement"
    close_no_supplement = "close_no_supplement"
    extend = "extend"
    consult = "consult"
    end_consultation = "end_consultation"
    notify_fee = "notify_fee"
    record_payment = "record_payment"
    close_unpaid = "close_unpaid"
    reply = "reply"
    reply_on_the_spot = "reply_on_the_spot"  # 当场答复 (Art. 33), on the day of receipt
    record_review = "record_review"


class ApplicantType(StrEnum):
    natural_person = "natural_person"
    business = "business"
    research = "research"
    public_welfare = "public_welfare"
    legal_service = "legal_service"
    other_org = "other_org"


class ReceiptChannel(StrEnum):
    """Art. 31: how the request arrived decides which date is the date of receipt."""

    online = "online"
    in_person = "in_person"
    post = "post"  # 邮寄 (签收)
    letter = "letter"  # 平常信函 (当日与申请人确认)
    fax = "fax"
    email = "email"


class DeliveryForm(StrEnum):
    paper = "paper"
    electronic = "electronic"


class DeliveryRoute(StrEnum):
    pickup = "pickup"  # 当面领取
    post = "post"
    email = "email"
    online = "online"  # 网上查看下载


class Outcome(StrEnum):
    disclosed = "disclosed"
    partly_disclosed = "partly_disclosed"
    withheld = "withheld"
    unavailable = "unavailable"
    not_processed = "not_processed"
    other = "other"


class Reason(StrEnum):
    # 不予公开
    state_secret = "state_secret"  # noqa: S105 - a reason code, not a secret
    law_forbidden = "law_forbidden"
    three_safety = "three_safety"
    third_party = "third_party"
    internal_affairs = "internal_affairs"
    process_info = "process_info"
    enforcement_file = "enforcement_file"
    query_matter = "query_matter"
    # 无法提供
    not_held = "not_held"
    needs_creation = "needs_creation"
    still_unclear = "still_unclear"
    # 不予处理
    petition = "petition"
    repeat = "repeat"
    publication = "publication"
    mass_repeat = "mass_repeat"
    confirmation = "confirmation"
    # 其他处理
    no_supplement = "no_supplement"
    unpaid = "unpaid"
    other = "other"


class ConsultKind(StrEnum):
    third_party = "third_party"  # Art. 32
    agency = "agency"  # Art. 34


class FeeMethod(StrEnum):
    item = "item"  # 按件
    volume = "volume"  # 按量


class ReviewKind(StrEnum):
    reconsideration = "reconsideration"  # 行政复议
    litigation_direct = "litigation_direct"  # 未经复议直接起诉
    litigation_after_review = "litigation_after_review"  # 复议后起诉


class ReviewResult(StrEnum):
    upheld = "upheld"
    corrected = "corrected"
    other = "other"
    pending = "pending"


S, A, R, Oc = RequestStatus, RequestAction, Reason, Outcome

REASONS: dict[Outcome, tuple[Reason, ...]] = {
    Oc.disclosed: (), Oc.partly_disclosed: (),
    Oc.withheld: (R.state_secret, R.law_forbidden, R.three_safety, R.third_party, R.internal_affairs,
                 R.process_info, R.enforcement_file, R.query_matter),
    Oc.unavailable: (R.not_held, R.needs_creation, R.still_unclear),
    Oc.not_processed: (R.petition, R.repeat, R.publication, R.mass_repeat, R.confirmation),
    Oc.other: (R.no_supplement, R.unpaid, R.other),
}
# Closing for a lapsed deadline is the workflow's own step, not a reply the handler chooses.
CLOSING_REASONS = frozenset({R.no_supplement, R.unpaid})

# Waiting states stop the reply clock; the statutory period runs only in `received`.
OPEN = frozenset({S.received, S.supplement_requested, S.consulting, S.fee_notified})
FINISHED = frozenset({S.replied, S.closed})
# Steps the applicant sees in their request's history (every step here is something they are told of).
PUBLIC_ACTIONS = frozenset(RequestAction)



def _notices(r: Any, step: Step) -> Iterator[Notice]:
    """The applicant hears of every step taken by someone else (a 补正 notice, an extension, the reply…)."""
    if r.applicant_id is not None and step.actor.id != r.applicant_id:
        yield Notice(r.applicant_id, f"政府信息公开申请 {r.tracking_no}：{step.action_label}", step.note or "",
                     link=f"/my/disclosure-requests/{r.id}")


DISCLOSURE_REQUEST: Workflow[RequestStatus, RequestAction] = register(Workflow(
    name="disclosure_request", label="依申请公开", states=RequestStatus, actions=RequestAction,
    state_labels={S.received: "办理中", S.supplement_requested: "待补正", S.consulting: "征求意见中",
                  S.fee_notified: "待缴费", S.replied: "已答复", S.closed: "终止处理"},
    action_labels={A.submit: "提交申请", A.request_supplement: "告知补正", A.supplement: "提交补正",
                   A.close_no_supplement: "逾期不补正，终止处理", A.extend: "延长答复期限",
                   A.consult: "征求意见", A.end_consultation: "征求意见结束", A.notify_fee: "发出收费通知",
                   A.record_payment: "已缴费", A.close_unpaid: "逾期未缴费，终止处理", A.reply: "答复",
                   A.reply_on_the_spot: "当场答复",
                   A.record_review: "登记复议诉讼结果"},
    transitions={
        A.request_supplement: {S.received: S.supplement_requested},
        A.supplement: {S.supplement_requested: S.received},
        A.close_no_supplement: {S.supplement_requested: S.closed},
        A.extend: {S.received: S.received, S.consulting: S.consulting},
        A.consult: {S.received: S.consulting},
        A.end_consultation: {S.consulting: S.received},
        A.notify_fee: {S.received: S.fee_notified},
        A.record_payment: {S.fee_notified: S.received},
        A.close_unpaid: {S.fee_notified: S.closed},
        A.reply: {S.received: S.replied},
        A.reply_on_the_spot: {S.received: S.replied},
        A.record_review: {S.replied: S.replied, S.closed: S.closed},
    },
    initial=S.received, create_action=A.submit,
    groups={"open": OPEN, "finished": FINISHED},
    notices=_notices, describe=lambda r: {"tracking_no": r.tracking_no},
    # The reply deadline (20 working days, plus an extension): the receiving unit's handlers; the applicant
    # (when the request was made online) hears when it is overdue.
    reminders=Reminders(unit_id=lambda r: r.unit_id, subject=lambda r: f"政府信息公开申请 {r.tracking_no}",
                        staff_link=lambda r: f"/workspace/disclosure-requests/{r.id}",
                        applicant_id=lambda r: r.applicant_id,
                        applicant_link=lambda r: f"/my/disclosure-requests/{r.id}"),
))

APPLICANT_TYPE_LABELS = {
    ApplicantType.natural_person: "自然人", ApplicantType.business: "商业企业", ApplicantType.research: "科研机构",
    ApplicantType.public_welfare: "社会公益组织", ApplicantType.legal_service: "法律服务机构",
    ApplicantType.other_org: "其他"}
CHANNEL_LABELS = {ReceiptChannel.online: "网上申请", ReceiptChannel.in_person: "当面提交", ReceiptChannel.post: "邮寄",
                  ReceiptChannel.letter: "平常信函", ReceiptChannel.fax: "传真", ReceiptChannel.email: "电子邮件"}
DELIVERY_FORM_LABELS = {DeliveryForm.paper: "纸质", DeliveryForm.electronic: "电子"}
DELIVERY_ROUTE_LABELS = {DeliveryRoute.pickup: "当面领取", DeliveryRoute.post: "邮寄",
                         DeliveryRoute.email: "电子邮件", DeliveryRoute.online: "网上获取"}
OUTCOME_LABELS = {Oc.disclosed: "予以公开", Oc.partly_disclosed: "部分公开", Oc.withheld: "不予公开",
                  Oc.unavailable: "无法提供", Oc.not_processed: "不予处理", Oc.other: "其他处理"}
REASON_LABELS = {
    R.state_secret: "属于国家秘密", R.law_forbidden: "其他法律行政法规禁止公开",
    R.three_safety: "危及“三安全一稳定”", R.third_party: "保护第三方合法权益",
    R.internal_affairs: "属于三类内部事务信息", R.process_info: "属于四类过程性信息",
    R.enforcement_file: "属于行政执法案卷", R.query_matter: "属于行政查询事项",
    R.not_held: "本机关不掌握相关政府信息", R.needs_creation: "没有现成信息需要另行制作",
    R.still_unclear: "补正后申请内容仍不明确",
    R.petition: "信访举报投诉类申请", R.repeat: "重复申请", R.publication: "要求提供公开出版物",
    R.mass_repeat: "无正当理由大量反复申请", R.confirmation: "要求行政机关确认或重新出具已获取信息",
    R.no_supplement: "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    R.unpaid: "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    R.other: "其他",
}
# The article of 《中华人民共和国政府信息公开条例》 a reply cites by default (the handler may edit it).
_REG = "《中华人民共和国政府信息公开条例》"
LEGAL_BASIS: dict[Outcome | Reason, str] = {
    Oc.disclosed: f"{_REG}第三十六条第（二）项", Oc.partly_disclosed: f"{_REG}第三十七条",
    R.state_secret: f"{_REG}第十四条", R.law_forbidden: f"{_REG}第十四条", R.three_safety: f"{_REG}第十四条",
    R.third_party: f"{_REG}第十五条、第三十二条", R.internal_affairs: f"{_REG}第十六条第一款",
    R.process_info: f"{_REG}第十六条第二款", R.enforcement_file: f"{_REG}第十六条第二款",
    R.query_matter: f"{_REG}第三十六条第（七）项", R.not_held: f"{_REG}第三十六条第（四）项",
    R.needs_creation: f"{_REG}第三十八条", R.still_unclear: f"{_REG}第三十条",
    R.petition: f"{_REG}第三十九条第一款", R.repeat: f"{_REG}第三十六条第（六）项",
    R.publication: f"{_REG}第三十九条第二款", R.mass_repeat: f"{_REG}第三十五条",
    R.confirmation: f"{_REG}第三十六条", R.no_supplement: f"{_REG}第三十条",
    R.unpaid: f"{_REG}第四十二条、《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）",
    R.other: _REG,
}
# What every reply tells the applicant (行政复议法 第二十条: 60 days; 行政诉讼法 第四十六条: 6 months).
REMEDY_TEXT = ("申请人对本答复不服的，可以自收到本答复之日起六十日内依法申请行政复议，"
               "或者自知道或者应当知道该行政行为之日起六个月内依法向人民法院提起行政诉讼。")
CONSULT_KIND_LABELS = {ConsultKind.third_party: "征求第三方意见", ConsultKind.agency: "征求其他机关意见"}
FEE_METHOD_LABELS = {FeeMethod.item: "按件计收", FeeMethod.volume: "按量计收"}
REVIEW_KIND_LABELS = {ReviewKind.reconsideration: "行政复议", ReviewKind.litigation_direct: "未经复议直接起诉",
                      ReviewKind.litigation_after_review: "复议后起诉"}
REVIEW_RESULT_LABELS = {ReviewResult.upheld: "结果维持", ReviewResult.corrected: "结果纠正",
                        ReviewResult.other: "其他结果", ReviewResult.pending: "尚未审结"}

register_enum("disclosure_applicant_type", APPLICANT_TYPE_LABELS)
register_enum("disclosure_channel", CHANNEL_LABELS)
register_enum("disclosure_delivery_form", DELIVERY_FORM_LABELS)
register_enum("disclosure_delivery_route", DELIVERY_ROUTE_LABELS)
register_enum("disclosure_outcome", OUTCOME_LABELS)
register_enum("disclosure_reason", REASON_LABELS)
register_enum("disclosure_consult_kind", CONSULT_KIND_LABELS)
register_enum("disclosure_fee_method", FEE_METHOD_LABELS)
register_enum("disclosure_review_kind", REVIEW_KIND_LABELS)
register_enum("disclosure_review_result", REVIEW_RESULT_LABELS)
for _outcome, _reasons in REASONS.items():
    if _reasons:  # the reasons each outcome allows, so a form offers only those
        register_enum(f"disclosure_reason_{_outcome.value}", {r: REASON_LABELS[r] for r in _reasons})
