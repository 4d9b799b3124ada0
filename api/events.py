"""The events users choose channels for, "<workflow>.<action>" with a Chinese label. Filled by the case kernel
when a workflow is registered (api.cases.workflow.register), so every case type is configurable without code."""

_EVENTS: dict[str, str] = {}


def register_event(event: str, label: str) -> None:
    _EVENTS[event] = label


def events() -> dict[str, str]:
    return dict(_EVENTS)
