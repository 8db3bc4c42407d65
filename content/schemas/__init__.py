"""Typed schemas for every kind of clinical content file.

Each content file is validated on load so a clinician's typo fails loudly in
`stride content check`, never silently in front of a patient.
"""
