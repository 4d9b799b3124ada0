from tests.compliance.conftest import world  # noqa: F401 - the same small site
