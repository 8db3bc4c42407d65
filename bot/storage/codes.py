"""Pseudonymous patient codes: what supervisors see instead of a name.

The alphabet (29 symbols) leaves out 0/O, 1/I/L and U/V look-alikes, so a code read aloud
on a phone call or copied from a screen by hand comes out right. 29**6 (about 595 million)
codes keep collisions rare; the caller still checks, and the unique constraint has the last
word.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
PREFIX = "S-"
LENGTH = 6
CODE_PATTERN = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")


def new_patient_code() -> str:
    """Return a random code such as `S-7KQ2MX`."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
