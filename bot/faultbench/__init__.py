"""Fault injection against the real bot: the scenarios behind `stride bench faults` and the
fault tests in `tests/e2e/test_faults.py` (which run each scenario once or twice).

Each scenario starts the real `stride run` as a subprocess against the local Bot API
emulator, injects one fault (SIGKILL, a database cut off or locked, failing Bot API calls, a
flood, a second instance, an unreadable update, a burst of patients) and counts what a
patient or supervisor would see: tries, lost and duplicated messages.
"""
