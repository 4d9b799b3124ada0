import re
from enum import StrEnum

from api.cases.workflow import register_enum


class VisitKind(StrEnum):
    disclosure = "disclosure"
    service = "service"
    survey = "survey"
    consultation = "consultation"
    letter = "letter"  # a published letter and its reply (公开选登)


KIND_LABELS = {VisitKind.disclosure: "政府信息", VisitKind.service: "办事指南", VisitKind.survey: "民意调查",
               VisitKind.consultation: "征集意见", VisitKind.letter: "公开来信"}

# User-Agent rules for what is not a person reading: search engines, crawlers, HTTP libraries, monitors and
# headless browsers. An empty User-Agent is not counted either.
BOT_PATTERN = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|baiduspider|sogou|yisouspider|bytespider|360spider|semrush|ahrefs|"
    r"facebookexternalhit|feedfetcher|mediapartners|curl/|wget/|python-requests|python-urllib|httpx|aiohttp|"
    r"go-http-client|java/|okhttp|libwww|scrapy|headlesschrome|phantomjs|lighthouse|pingdom|uptime|monitor|"
    r"zhengwu-portal-linkcheck",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    return not user_agent or not user_agent.strip() or BOT_PATTERN.search(user_agent) is not None


register_enum("visit_kind", KIND_LABELS)
