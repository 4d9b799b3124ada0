import pytest

from api.catalog.forms import resident_id_ok, validate_form
from api.catalog.schemas import FormField
from tests.catalog.helpers import FORM, GOOD, VALID_ID

FIELDS = [FormField.model_validate(f) for f in FORM]


class TestValidateForm:
    def test_good_data_is_clean(self):
        clean, errors = validate_form(FIELDS, {**GOOD, "count": 3, "id_number": VALID_ID.lower(), "docs": 5})
        assert errors == []
        assert clean["id_number"] == VALID_ID
        assert clean["docs"] == [5]

    def test_each_bad_field_is_named(self):
        _, errors = validate_form(FIELDS, {"phone": "123", "kind": "永久", "count": 11, "start_date": "2026-13-01",
                                           "extra": 1})
        assert {e["field"] for e in errors} == {"data.applicant_name", "data.phone", "data.kind", "data.count",
                                                "data.start_date", "data.extra"}

    @pytest.mark.parametrize("value", ["110105194912310021", "11010519491331002X", "1101051949123100"])
    def test_bad_resident_ids(self, value):
        assert not resident_id_ok(value)

    def test_boolean_is_not_a_number(self):
        _, errors = validate_form(FIELDS, {**GOOD, "count": True})
        assert [e["field"] for e in errors] == ["data.count"]
