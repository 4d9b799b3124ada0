# The synonym tests search disclosures, so they use the disclosure tests' team of editor, reviewer and officer.
from tests.disclosures.conftest import no_view_flush, team

__all__ = ["no_view_flush", "team"]
