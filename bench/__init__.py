"""`make bench`: a generated Chinese catalogue, one uvicorn worker, httpx load; see README."""
