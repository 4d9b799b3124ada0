"""Ratings are made on applications: the same small world."""

from tests.applications.conftest import world

__all__ = ["world"]
