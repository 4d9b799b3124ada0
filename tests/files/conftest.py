# The upload and download endpoints that exercise the files kernel belong to disclosures.
from tests.disclosures.conftest import no_view_flush, team  # noqa: F401
