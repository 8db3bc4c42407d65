"""Bundled copy of the machine-readable Bot API specification (MIT, see LICENSE here).

Kept as a package so `importlib.resources` finds the JSON in an installed wheel as well as in a
source checkout.
"""
