"""Barrier categories and the short motivational scripts that answer them."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from content.schemas.base import Identifier, StrictModel, TextKey


class ScriptStep(StrictModel):
    """One idea per message, answered with buttons."""

    text_key: TextKey
    buttons: list[TextKey] = Field(min_length=1, max_length=4)
    offer_short_session: bool = False


class Script(StrictModel):
    id: Identifier
    steps: list[ScriptStep] = Field(min_length=1)


class Barrier(StrictModel):
    id: Identifier
    label_key: TextKey
    script: Identifier
    # Offered only to a patient who named what matters to them at onboarding (the values
    # script is built on their own words; a generic stand-in would ring hollow).
    needs_values: bool = False


class PlanChoice(StrictModel):
    id: Identifier
    label_key: TextKey


class BarrierCatalogue(StrictModel):
    """The conversation ends with a tiny concrete plan: what, and when."""

    schema_version: Literal[1]
    version: str
    intro_key: TextKey
    barriers: list[Barrier] = Field(min_length=1)
    scripts: list[Script] = Field(min_length=1)
    plan_what_key: TextKey
    plan_what: list[PlanChoice] = Field(min_length=1)
    plan_when_key: TextKey
    plan_when: list[PlanChoice] = Field(min_length=1)
    plan_done_key: TextKey
    short_session_minutes: int = Field(gt=0)
    mode: Literal["one_script_per_barrier"] = "one_script_per_barrier"

    def barrier(self, barrier_id: str) -> Barrier:
        for barrier in self.barriers:
            if barrier.id == barrier_id:
                return barrier
        raise KeyError(barrier_id)

    def script(self, script_id: str) -> Script:
        for script in self.scripts:
            if script.id == script_id:
                return script
        raise KeyError(script_id)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        scripts = {s.id for s in self.scripts}
        missing = {b.script for b in self.barriers} - scripts
        if missing:
            raise ValueError(f"barriers name unknown scripts: {sorted(missing)}")
        return self
