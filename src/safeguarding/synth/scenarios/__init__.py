"""Planted scenarios: who is really at risk (and who only looks it), planned before any record is made."""
