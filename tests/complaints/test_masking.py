from api.complaints.masking import mask_text


class TestMaskText:
    def test_mobile_keeps_first_three_and_last_four(self):
        assert mask_text("电话13800138000") == "电话138****8000"

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
