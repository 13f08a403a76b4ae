"""Alembic migrations for the app database (run with ``safeguarding db upgrade`` or on portal start)."""
