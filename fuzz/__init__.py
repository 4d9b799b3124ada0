"""`make fuzz`: schemathesis against the running portal on SQLite and PostgreSQL; see README."""
