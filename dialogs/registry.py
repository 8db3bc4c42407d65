"""The one place every flow's dialog is listed: built once at start-up, passed in.

Nothing registers itself on import: `build_registry()` names each `Flow`'s dialog here and
refuses to build if any flow is missing, so a fresh process knows every flow or does not
start at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from dialogs.barrier import BarrierDialog
from dialogs.base import FlowDialog
from dialogs.checkin import CheckinDialog
from dialogs.concern import ConcernDialog
from dialogs.crisis import CrisisDialog
from dialogs.extra_day import ExtraDayDialog
from dialogs.flow import Flow
from dialogs.mood import MoodDialog
from dialogs.onboarding import OnboardingDialog
from dialogs.pause import PauseDialog
from dialogs.phone import SharePhoneDialog
from dialogs.rights import ForgetMeDialog, ReconsentDialog, WithdrawDialog
from dialogs.safety_plan import SafetyPlanDialog
from dialogs.settings import SettingsDialog
from dialogs.today import SessionDialog
from dialogs.understanding import LogOfferDialog

DIALOGS: tuple[type[FlowDialog[Any]], ...] = (
    OnboardingDialog,
    CheckinDialog,
    SessionDialog,
    BarrierDialog,
    SafetyPlanDialog,
    SettingsDialog,
    MoodDialog,
    CrisisDialog,
    PauseDialog,
    ExtraDayDialog,
    ConcernDialog,
    LogOfferDialog,
    SharePhoneDialog,
    ForgetMeDialog,
    WithdrawDialog,
    ReconsentDialog,
)


def build_registry(
    dialogs: tuple[type[FlowDialog[Any]], ...] = DIALOGS,
) -> Mapping[Flow, FlowDialog[Any]]:
    """Each flow's dialog, once; a missing or doubled flow is a start-up error."""
    built: dict[Flow, FlowDialog[Any]] = {}
    for kind in dialogs:
        dialog = kind()
        if dialog.flow in built:
            raise ValueError(f"flow {dialog.flow} is listed twice")
        built[dialog.flow] = dialog
    missing = set(Flow) - set(built)
    if missing:
        raise ValueError(f"flows without a dialog: {', '.join(sorted(missing))}")
    return MappingProxyType(built)
