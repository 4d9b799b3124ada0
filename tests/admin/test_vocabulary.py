"""The words for roles and kinds of org unit and user come from the API's vocabulary, like every state's."""


class TestAdminVocabulary:
    async def test_every_role_has_its_chinese_name(self, client):
        enums = (await client.get("/api/v1/vocabulary")).json()["enums"]
        roles = {t["value"]: t["label"] for t in enums["role"]}
        assert roles["secrecy_officer"] == "保密审查员"
        assert set(roles) == {"editor", "reviewer", "secrecy_officer", "handler", "leader", "admin",
                              "security_admin", "auditor"}

    async def test_org_and_user_kinds_are_listed_in_order(self, client):
        enums = (await client.get("/api/v1/vocabulary")).json()["enums"]
        assert [t["label"] for t in enums["org_kind"]] == ["机关", "处室", "直属中心", "企事业单位"]
        assert [t["label"] for t in enums["user_kind"]] == ["工作人员", "公众"]

    async def test_an_audit_actor_may_be_a_role_a_user_kind_or_the_system(self, client):
        actors = {t["value"]: t["label"] for t in (await client.get("/api/v1/vocabulary")).json()["enums"]["actor"]}
        assert (actors["auditor"], actors["public"], actors["system"]) == ("安全审计员", "公众", "系统")
