from hypothesis import given
from hypothesis import strategies as st

from api import pii
from api.pii import PiiKind

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


class TestFind:
    def test_offsets_index_the_original_full_width_text(self):
        text = "电话：１３８ １２３４ ５６７８。"
        [m] = pii.find(text)
        assert (m.kind, text[m.start:m.end], m.value) == (PiiKind.mobile, "１３８ １２３４ ５６７８", "13812345678")

    def test_strict_needs_the_id_check_character_and_free_standing_numbers(self):
        text = "证号110105194912310021，订单A13912345678B"
        assert [m.kind for m in pii.find(text)] == [PiiKind.resident_id, PiiKind.mobile]
        assert pii.find(text, strict=True) == []

    def test_card_followed_by_a_year_is_still_a_card(self):
        [m] = pii.find("卡号4111111111111111 2026年")
        assert (m.kind, m.value) == (PiiKind.bank_card, "4111111111111111")

    def test_old_fifteen_digit_id_needs_a_birth_date_when_strict(self):
        assert [m.kind for m in pii.find("110105491231002", strict=True)] == [PiiKind.resident_id]
        assert pii.find("110105491331002", strict=True) == []


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if pii.luhn_valid(body + check):
            return body + check
    raise AssertionError


@given(st.text("0123456789", min_size=15, max_size=18).map(lambda b: "62" + b[2:]).map(_luhn_complete),
       st.booleans(), st.sampled_from(["", " ", "-"]))
def test_every_luhn_card_is_found_whole(card, full_width, sep):
    written = sep.join(card[i:i + 4] for i in range(0, len(card), 4))
    if full_width:
        written = written.translate(_FULL)
    text = f"请汇入{written}，谢谢"
    found = pii.find(text, strict=True)
    assert [(m.kind, m.value, text[m.start:m.end]) for m in found] == [(PiiKind.bank_card, card, written)] or (
        found and found[0].kind == PiiKind.resident_id and len(card) == 18)
