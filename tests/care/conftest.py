"""The care tests reuse the alert tests' kit: a movable clock, real storage, the emulator."""

from tests.alerts.conftest import clock, fake_bot, relay, services, settings  # noqa: F401
from tests.alerts.test_supervisor import world  # noqa: F401
