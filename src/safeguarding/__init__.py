"""Safeguarding: a child-protection intelligence portal for police forces and their partners."""

__version__ = "0.1.0"
