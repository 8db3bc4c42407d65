"""The flows a patient can be in, by name: one enum, and each flow's dialog listed once in
`dialogs.registry.build_registry()` at start-up."""

from __future__ import annotations

from enum import StrEnum


class Flow(StrEnum):
    ONBOARDING = "onboarding"
    CHECKIN = "checkin"
    SESSION = "session"
    BARRIER = "barrier"
    SAFETY_PLAN = "safety_plan"
    SETTINGS = "settings"
    MOOD = "mood"
    CRISIS = "crisis"
    PAUSE = "pause"
    EXTRA_DAY = "extra_day"
    CONCERN = "concern"
    LOG_OFFER = "log_offer"
    SHARE_PHONE = "share_phone"
    # Data rights (dialogs/rights.py)
    FORGETME = "forgetme"
    WITHDRAW = "withdraw"
    RECONSENT = "reconsent"
