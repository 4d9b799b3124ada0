"""Notifications are written by case steps: the applications' small world makes them."""

from tests.applications.conftest import world

__all__ = ["world"]
