"""The Workflow table: what it allows, what it refuses and how the refusal reads."""

from datetime import UTC, datetime
from enum import StrEnum

import pytest

from api.audit.service import SYSTEM
from api.cases.workflow import Workflow
from api.errors import InvalidTransition


class Door(StrEnum):
    shut = "shut"
    open = "open"
    ajar = "ajar"
    gone = "gone"


class Act(StrEnum):
    build = "build"
    push = "push"
    pull = "pull"
    knock = "knock"
    remove = "remove"


D, A = Door, Act
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def door(**kw) -> Workflow[Door, Act]:
    args = dict(
        name="door", label="门", states=Door, actions=Act,
        state_labels={D.shut: "关着", D.open: "开着", D.ajar: "半开", D.gone: "已拆除"},
        action_labels={A.build: "安装", A.push: "推", A.pull: "拉", A.knock: "敲门", A.remove: "拆除"},
        transitions={A.push: {D.shut: frozenset({D.open, D.ajar})}, A.pull: {D.open: D.shut, D.ajar: D.shut},
                     A.knock: {D.shut: D.shut}, A.remove: {D.shut: D.gone, D.open: D.gone, D.ajar: D.gone}},
        initial=D.shut, create_action=A.build, groups={"passable": frozenset({D.open, D.ajar})})
    return Workflow(**{**args, **kw})


class TestStep:
    def test_single_target_is_taken(self):
        step = door().step(D.open, A.pull, SYSTEM, NOW, note="风大")
        assert (step.from_status, step.to_status, step.note) == (D.open, D.shut, "风大")
        assert step.changes_state

    def test_action_that_keeps_the_state_is_a_step(self):
        step = door().step(D.shut, A.knock, SYSTEM, NOW)
        assert step.to_status == D.shut and not step.changes_state

    def test_caller_chooses_among_several_targets(self):
        assert door().step(D.shut, A.push, SYSTEM, NOW, to=D.ajar).to_status == D.ajar

    def test_target_outside_the_table_is_refused(self):
        with pytest.raises(InvalidTransition):
            door().step(D.shut, A.push, SYSTEM, NOW, to=D.gone)

    def test_refusal_names_state_and_action_in_chinese(self):
        with pytest.raises(InvalidTransition) as exc:
            door().step(D.gone, A.pull, SYSTEM, NOW)
        assert exc.value.detail == "门当前状态为“已拆除”，不能“拉”"
        assert exc.value.status == 409

    def test_plain_strings_are_read_as_the_enums(self):
        step = door().step("open", "pull", SYSTEM, NOW)  # type: ignore[arg-type]
        assert step.to_status is D.shut and step.action is A.pull

    def test_opening_has_no_from_state(self):
        step = door().opening(SYSTEM, NOW)
        assert (step.action, step.from_status, step.to_status) == (A.build, None, D.shut)


class TestTable:
    def test_final_states_are_those_no_action_leaves(self):
        assert door().final == {D.gone}

    def test_allowed_actions_follow_the_enum_order(self):
        assert door().allowed_actions(D.shut) == [A.push, A.knock, A.remove]
        assert door().allowed_actions(D.gone) == []

    def test_groups_are_named(self):
        assert door().group("passable") == {D.open, D.ajar}

    def test_a_state_without_label_is_refused(self):
        with pytest.raises(ValueError, match="no label for gone"):
            door(state_labels={D.shut: "关着", D.open: "开着", D.ajar: "半开"})

    def test_a_foreign_state_in_the_table_is_refused(self):
        class Other(StrEnum):
            x = "x"

        with pytest.raises(ValueError, match="unknown state"):
            door(transitions={A.pull: {Other.x: D.shut}})

    def test_audit_summary_carries_the_described_fields(self):
        wf = door(describe=lambda case: {"tracking_no": case})
        step = wf.step(D.open, A.pull, SYSTEM, NOW, note="n", detail={"why": "风"})
        assert wf.summary("M-1", step) == {"tracking_no": "M-1", "from": D.open, "to": D.shut, "note": "n",
                                           "why": "风"}
