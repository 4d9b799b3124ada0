from api.search.highlight import snippet
from api.search.service import fts5_expression, match_params, tsquery_expression
from api.search.tokenizer import index_tokens, query_groups, query_tokens


class TestTokenizer:
    def test_cjk_bigrams_singles_and_ascii(self):
        assert index_tokens("政务公开 API-2026") == ["政务", "务公", "公开", "政", "务", "公", "开", "api", "2026"]

    def test_query_uses_bigrams_or_the_single_character(self):
        assert query_tokens("政务公开") == ["政务", "务公", "公开"]
        assert query_tokens("税") == ["税"]
        assert query_tokens("〔2026〕12号") == ["2026", "12", "号"]

    def test_quotes_are_escaped_in_match_expressions(self):
        assert fts5_expression(['a"b']) == '"a""b"'
        assert tsquery_expression(["it's"]) == "'it''s'"


class TestSnippet:
    def test_window_around_first_match_with_marks(self):
        text = "前" * 200 + "食堂<b>" + "后" * 200
        out = snippet(text, "食堂", width=40)
        assert out.startswith("…") and out.endswith("…")
        assert "<mark>食堂</mark>&lt;b&gt;" in out


class TestQueryGroups:
    def test_synonym_is_an_alternative_of_the_run_that_contains_it(self):
        groups = query_groups("公车改革 WiFi", {"公车": ["公务用车"], "wifi": ["无线网络"]})
        assert [[a.text for a in g] for g in groups] == [["公车改革", "公务用车改革"], ["wifi", "无线网络"]]
        assert groups[0][1].tokens == ("公务", "务用", "用车", "车改", "改革")

    def test_match_expressions_group_alternatives(self):
        groups = query_groups("公车 管理", {"公车": ["公务用车"]})
        assert match_params(groups, "sqlite") == {
            "fts_q": '(("公车") OR ("公务" AND "务用" AND "用车")) AND "管理"'}
        assert match_params(groups, "postgresql") == {
            "ts_q": "(('公车') | ('公务' & '务用' & '用车')) & '管理'"}
