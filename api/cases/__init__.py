"""The case kernel: every case type (application, complaint, rectification, survey, consultation, disclosure
version…) is a `Workflow` — a table of states and actions — plus its own rules.

What a domain writes (see README, "Adding a new case type"):

* in ``states.py``: the state ``StrEnum``, the action ``StrEnum``, and one ``Workflow`` naming both, with the
  Chinese label of every state and action, the allowed transitions *keyed by action*
  (``{action: {from_state: to_state}}``, or a set of targets when the caller chooses, e.g. a 补正 returns the
  case to where it came from), the initial state, the action that opens a case, and named semantic groups
  (``open``…; ``final`` is derived: the states no action leaves). ``register(workflow)`` puts it in the
  vocabulary (``GET /api/v1/vocabulary``), the one place the SPA reads labels from.
* on the case model: ``__workflow__ = THE_WORKFLOW``, an ``id``, a ``status``, an ``updated_at`` and a
  ``version`` column mapped as SQLAlchemy's ``version_id_col`` (optimistic locking), and
  ``case_event(step) -> row``: the domain's own history row for a `Step`.

What the kernel then does, in the request's transaction (it flushes, never commits):

* ``transition(session, case, action, actor, note=…, detail=…)`` — the one way a status changes: checks the
  table (409 ``invalid_transition`` naming the state and action in Chinese), sets the status, bumps the row's
  version (a concurrent change answers 409 ``concurrent_update``), appends the case's event row, writes the
  audit record (``api.audit.service.record``, action ``<workflow>.<action>``) and the notifications the
  workflow's ``notices`` rule names. ``create(session, case, actor, …)`` does the same for a new case.
* ``units_under(principal, *roles)`` — the one scope filter: a SQL condition on ``OrgUnit.path`` matching the
  org-unit subtrees where the principal holds one of the roles (LIKE-escaped by ``api.database.escape_like``);
  ``in_units_under(column, principal, *roles)`` for a unit-id column.
* ``start_clock`` / ``clock_of`` / ``clock_join`` — one way to attach api/calendar's ``DeadlineClock`` to a
  case: the clock's ``case_type`` is the workflow's ``name``.
* idempotent retries: ``api/idempotency/`` is the one idempotency kernel.

Kernels never import domains: domains import ``api.cases.workflow`` (pure data, for states.py) and
``api.cases.service`` (the session side), and fill the registry themselves."""
