# The upload and download endpoints that exercise the files kernel belong to disclosures.
from tests.disclosures.conftest import team  # noqa: F401
