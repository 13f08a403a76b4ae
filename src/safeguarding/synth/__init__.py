"""Synthetic force data with planted truth: a Dorset-like county's record exports, month by month.

Entry point: ``safeguarding.synth.force.generate(SynthOptions(...), out)``; docs/synthetic-data.md
describes the assumptions, the sources of the numbers and the truth files.
"""
