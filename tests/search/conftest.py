# The synonym tests search disclosures, so they use the disclosure tests' team of editor, reviewer and officer.
from tests.disclosures.conftest import team

__all__ = ["team"]
