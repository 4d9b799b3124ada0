from collections.abc import Iterator

import pytest

from api.visits.service import counter
from tests.compliance.conftest import world  # noqa: F401 - the same small site


@pytest.fixture(autouse=True)
def empty_counter() -> Iterator[None]:
    """The counter lives for the worker; each test starts and ends with nothing unwritten."""
    counter.take()
    yield
    counter.take()
