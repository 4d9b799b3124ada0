# The response-cache fixtures (a committing client with the cache on, a committed team with an editor).
from tests.cache.conftest import cached, team

__all__ = ["cached", "team"]
