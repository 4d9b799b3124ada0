from enum import StrEnum


class SitePageSlug(StrEnum):
    """The pages every gov.cn site carries, kept by staff: 关于我们, 联系我们, 隐私声明."""

    about = "about"
    contact = "contact"
    privacy = "privacy"


SITE_PAGE_TITLES = {SitePageSlug.about: "关于我们", SitePageSlug.contact: "联系我们", SitePageSlug.privacy: "隐私声明"}
