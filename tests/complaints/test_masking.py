from hypothesis import given
from hypothesis import strategies as st

from api.complaints.masking import mask_text


class TestMaskText:
    def test_mobile_keeps_first_three_and_last_four(self):
        assert mask_text("电话13800138000") == "电话138****8000"

    def test_bank_card_keeps_first_and_last_four(self):
        assert mask_text("银行卡6222021234567890128") == "银行卡6222***********0128"

    def test_grouped_bank_card_keeps_its_spaces(self):
        assert mask_text("卡号 6222 0212 3456 7890 128") == "卡号 6222 **** **** ***0 128"

    def test_mobile_with_country_code(self):
        assert mask_text("手机+8613812345678") == "手机+86138****5678"
        assert mask_text("手机+86 138 1234 5678") == "手机+86 138 **** 5678"

    def test_mobile_in_groups(self):
        assert mask_text("电话138 1234 5678或138-1234-5678") == "电话138 **** 5678或138-****-5678"

    def test_mobile_in_full_width_digits(self):
        assert mask_text("电话１３８１２３４５６７８。") == "电话１３８****５６７８。"

    def test_landline_keeps_the_area_code(self):
        assert mask_text("座机0531-88880000，（010）12345678") == "座机0531-********，（010）********"

    def test_email_keeps_first_character_and_domain(self):
        assert mask_text("邮箱zhangsan@example.com") == "邮箱z***@example.com"

    def test_id_number_is_masked_entirely(self):
        assert mask_text("身份证11010119900307123X") == "身份证" + "*" * 18

    def test_id_number_is_not_mistaken_for_a_mobile(self):
        assert "138" not in mask_text("110101138001380001")

    def test_writer_name_keeps_the_surname(self):
        assert mask_text("我是欧阳娜娜，反映问题", ["欧阳娜娜"]) == "我是欧***，反映问题"

    def test_titled_names(self):
        assert mask_text("王建国先生和赵女士") == "王**先生和赵女士"

    def test_address_numbers(self):
        assert mask_text("家住幸福小区5栋3单元302室") == "家住幸福小区***"

    def test_masking_twice_changes_nothing(self):
        text = mask_text("我叫王小红，电话13800138000，住人民路88号", ["王小红"])
        assert mask_text(text, ["王小红"]) == text

    def test_ordinary_text_is_untouched(self):
        text = "建议食堂增加晚餐供应时间，2026年起执行。"
        assert mask_text(text) == text


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
mobiles = st.builds(lambda p, rest: "1" + p + rest, st.sampled_from("3456789"),
                    st.text("0123456789", min_size=9, max_size=9))
layouts = st.sampled_from(["{a}{b}{c}", "{a} {b} {c}", "{a}-{b}-{c}", "+86{a}{b}{c}", "+86 {a} {b} {c}"])
prose = st.text(st.sampled_from("请联系我电话号码谢谢，。：、 "), max_size=8)


class TestMaskingProperties:
    @given(mobiles, layouts, st.booleans(), prose, prose)
    def test_a_mobile_however_written_loses_its_middle_digits(self, mobile, layout, full_width, before, after):
        written = layout.format(a=mobile[:3], b=mobile[3:7], c=mobile[7:])
        expected = layout.format(a=mobile[:3], b="****", c=mobile[7:])
        if full_width:
            written, expected = written.translate(_FULL), expected.translate(_FULL)
        assert mask_text(before + written + after) == before + expected + after

    @given(st.text(st.sampled_from("0123456789１３８ +-@abc.com食堂电话号码，"), max_size=60))
    def test_masking_is_idempotent(self, text):
        once = mask_text(text)
        assert mask_text(once) == once
