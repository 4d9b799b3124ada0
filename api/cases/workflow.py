"""A case type's lifecycle as data, and the registry the vocabulary endpoint is built from. Pure Python: a
domain's states.py defines its Workflow here without touching the database."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from api.audit.service import Actor
from api.errors import Conflict, InvalidTransition
from api.events import register_event

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class ConcurrentUpdate(Conflict):
    """Optimistic locking lost: someone changed the case between this request's read and its write."""

    code = "concurrent_update"
    title = "该事项刚被他人处理，请刷新后重试"


@dataclass(frozen=True)
class Step:
    """One move of one case: what the event row, the audit record and the notifications are made from.
    `from_status` is None for the action that opens a case; `to_status == from_status` for an action that
    leaves the state as it is (a claim, one department's approval)."""

    workflow: "Workflow[Any, Any]"
    action: StrEnum
    from_status: StrEnum | None
    to_status: StrEnum
    actor: Actor
    at: datetime
    note: str | None = None
    detail: dict[str, Any] | None = None

    @property
    def changes_state(self) -> bool:
        return self.from_status != self.to_status

    @property
    def action_label(self) -> str:
        return self.workflow.action_labels[self.action]

    @property
    def to_label(self) -> str:
        return self.workflow.state_labels[self.to_status]


@dataclass(frozen=True)
class Notice:
    """A notification a step sends to one user's in-app inbox (api/notifications)."""

    user_id: int
    title: str
    body: str = ""
    link: str | None = None
    kind: str = "info"


@dataclass(frozen=True)
class Reminders:
    """Who hears that a case's deadline clock is due soon or overdue (api.cases.reminders, run by the worker's
    periodic ``due_jobs``). The kernel finds the people: the case's assignee if it has one, else the handlers of
    its unit (a grant on a unit above covers it); once overdue, the leaders too; the applicant for the kinds
    named in `applicant_kinds`."""

    unit_id: Callable[[Any], int]  # the handling unit
    subject: Callable[[Any], str]  # how the case is named in the reminder, e.g. "申请 BJ2026000001"
    staff_link: Callable[[Any], str]
    assignee_id: Callable[[Any], int | None] | None = None
    applicant_id: Callable[[Any], int | None] | None = None
    applicant_link: Callable[[Any], str] | None = None
    applicant_kinds: frozenset[str] = frozenset({"overdue"})
    # The case's further clocks that are reminded too, by phase (api.cases.service.clock_type: a reopened letter).
    clock_phases: tuple[str, ...] = ()
    # Relationships the callables above read, loaded with the case (relationships are lazy="raise").
    load: tuple[str, ...] = ()
    # An action that keeps the state, recorded in the case's history when a reminder goes out (its event row and
    # audit record stand for the reminder's own audit record).
    history_action: Any = None


REMINDER_KINDS = {"due_soon": "即将到期", "overdue": "已超期"}


@dataclass(frozen=True, eq=False)
class Workflow(Generic[S, A]):
    """States, actions, their Chinese labels and the transitions allowed, keyed by action:
    ``transitions[action][from_state]`` is the target state, or a frozenset of targets the caller chooses
    from with ``to=``. An action absent for a state is refused with 409."""

    name: str  # the case type: audit object type, clock case_type, vocabulary key ("application")
    label: str  # "申请"
    states: type[S]
    actions: type[A]
    state_labels: Mapping[S, str]
    action_labels: Mapping[A, str]
    transitions: Mapping[A, Mapping[S, S | frozenset[S]]]
    initial: S
    create_action: A  # the action that opens a case; its event has no from-state
    groups: Mapping[str, frozenset[S]] = field(default_factory=dict)  # semantic groups, e.g. "open"
    # Who hears of a step, decided from the case and the step (None: nobody).
    notices: Callable[[Any, Step], Iterable[Notice]] | None = None
    # Fields every audit record of the case carries (e.g. the tracking number).
    describe: Callable[[Any], Mapping[str, Any]] | None = None
    # Due-soon / overdue reminders of the case's deadline clock (None: the domain reminds itself, or has no clock).
    reminders: Reminders | None = None

    def __post_init__(self) -> None:
        missing = [str(s) for s in self.states if s not in self.state_labels]
        missing += [str(a) for a in self.actions if a not in self.action_labels]
        if missing:
            raise ValueError(f"workflow {self.name}: no label for {', '.join(missing)}")
        if self.create_action not in self.actions or self.initial not in self.states:
            raise ValueError(f"workflow {self.name}: initial state or create action not its own")
        for action, table in self.transitions.items():
            if action not in self.actions:
                raise ValueError(f"workflow {self.name}: unknown action {action}")
            for src, dst in table.items():
                if src not in self.states or any(t not in self.states for t in self._targets(dst)):
                    raise ValueError(f"workflow {self.name}: unknown state in {action}")

    @staticmethod
    def _targets(dst: Any) -> frozenset[Any]:
        return dst if isinstance(dst, frozenset) else frozenset({dst})

    @property
    def final(self) -> frozenset[S]:
        """The states no action leaves."""
        left = {src for table in self.transitions.values() for src in table}
        return frozenset(s for s in self.states if s not in left)

    def group(self, name: str) -> frozenset[S]:
        return self.groups[name]

    def targets(self, status: S, action: A) -> frozenset[S]:
        """Where `action` may take a case in `status` (empty: refused)."""
        dst = self.transitions.get(action, {}).get(status)
        return frozenset() if dst is None else self._targets(dst)

    def can(self, status: S, action: A) -> bool:
        return bool(self.targets(status, action))

    def allowed_actions(self, status: S) -> list[A]:
        """The actions the table allows from `status`, in the actions enum's order."""
        return [a for a in self.actions if self.can(status, a)]

    def refusal(self, status: S, action: A) -> InvalidTransition:
        """The 409 for a refused action, naming state and action in Chinese."""
        return InvalidTransition(f"{self.label}当前状态为“{self.state_labels[status]}”，"
                                 f"不能“{self.action_labels[action]}”")

    def step(self, status: S, action: A, actor: Actor, at: datetime, *, to: S | None = None,
             note: str | None = None, detail: dict[str, Any] | None = None) -> Step:
        """Check the table and describe the move, or raise the 409. `to` chooses among several targets."""
        status, action = self.states(status), self.actions(action)
        targets = self.targets(status, action)
        if not targets or (to is not None and to not in targets):
            raise self.refusal(status, action)
        if to is None:
            if len(targets) != 1:
                raise ValueError(f"workflow {self.name}: {action} from {status} needs to=")
            (to,) = targets
        return Step(self, action, status, self.states(to), actor, at, note, detail)

    def opening(self, actor: Actor, at: datetime, *, note: str | None = None,
                detail: dict[str, Any] | None = None) -> Step:
        """The step that opens a new case in the initial state."""
        return Step(self, self.create_action, None, self.initial, actor, at, note, detail)

    def notices_for(self, case: Any, step: Step) -> list[Notice]:
        return list(self.notices(case, step)) if self.notices is not None else []

    def summary(self, case: Any, step: Step) -> dict[str, Any]:
        """The audit record's summary of a step."""
        return {**(self.describe(case) if self.describe else {}), "from": step.from_status, "to": step.to_status,
                "note": step.note, **(step.detail or {})}


_WORKFLOWS: dict[str, Workflow[Any, Any]] = {}
_ENUMS: dict[str, tuple[tuple[str | int, str], ...]] = {}


def register(workflow: Workflow[Any, Any]) -> Workflow[Any, Any]:
    """Add a workflow to the vocabulary; a domain's states.py calls this once. Returns it for chaining."""
    known = _WORKFLOWS.get(workflow.name)
    if known is not None and known is not workflow:
        raise ValueError(f"two workflows named {workflow.name}")
    _WORKFLOWS[workflow.name] = workflow
    for action in workflow.actions:  # what users choose notification channels for
        register_event(f"{workflow.name}.{action.value}", f"{workflow.label}·{workflow.action_labels[action]}")
    if workflow.reminders is not None:
        for kind, label in REMINDER_KINDS.items():
            register_event(f"{workflow.name}.{kind}", f"{workflow.label}·{label}提醒")
    return workflow


def register_enum(name: str, labels: Mapping[Any, str]) -> None:
    """Add a labelled value list (an enum, or e.g. rating scores) to the vocabulary under `name`."""
    terms = tuple((v.value if isinstance(v, StrEnum) else v, label) for v, label in labels.items())
    known = _ENUMS.get(name)
    if known is not None and known != terms:
        raise ValueError(f"two vocabularies named {name}")
    _ENUMS[name] = terms


def workflows() -> dict[str, Workflow[Any, Any]]:
    return dict(_WORKFLOWS)


def vocabulary() -> dict[str, Any]:
    """Every registered workflow's states and actions and every registered enum, with their labels, in
    registration order: the body of GET /vocabulary."""
    return {
        "workflows": {name: {"label": w.label,
                             "states": [{"value": s.value, "label": w.state_labels[s]} for s in w.states],
                             "actions": [{"value": a.value, "label": w.action_labels[a]} for a in w.actions]}
                      for name, w in _WORKFLOWS.items()},
        "enums": {name: [{"value": v, "label": label} for v, label in terms] for name, terms in _ENUMS.items()},
    }
