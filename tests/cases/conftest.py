"""The kernel is exercised on real case types: the applications' small world."""

from tests.applications.conftest import world

__all__ = ["world"]
