"""The disclosures team fixture (editor, reviewer, secrecy officer on one column), for tests that publish."""

from tests.disclosures.conftest import team  # noqa: F401 - a fixture, used by name
