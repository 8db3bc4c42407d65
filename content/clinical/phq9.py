"""Scoring the PHQ-9 (and its short forms) from the instrument's own data.

Nothing here knows it is the PHQ-9 in particular: item ids, answer values, bands, the safety
item and the change thresholds all come from the `Instrument`, so a clinician edits the YAML,
not this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from content.schemas.instrument import Instrument, SeverityBand, ShortForm


@dataclass(frozen=True)
class Phq9Result:
    """A complete, validated administration: what gets stored and shown to the care team.

    The instrument id and version travel with the answers so a stored response can always be
    read against the wording and bands it was given with.
    """

    instrument_id: str
    instrument_version: str
    total: int
    band: str
    safety_positive: bool
    item_answers: tuple[tuple[str, int], ...]

    @property
    def answers(self) -> dict[str, int]:
        return dict(self.item_answers)


@dataclass(frozen=True)
class Change:
    """Change against the patient's baseline, in the instrument's own terms.

    `deterioration` is the flag the supervisor must see; the other three are good news.
    """

    baseline_total: int
    current_total: int
    delta: int
    meaningful_improvement: bool
    response: bool
    remission: bool
    deterioration: bool


@dataclass(frozen=True)
class ShortFormResult:
    """A short form (PHQ-2) pulse between full check-ins; positive means: ask the full form."""

    form_id: str
    total: int
    cutoff: int
    positive: bool


def _validate_answers(instrument: Instrument, answers: Mapping[str, int]) -> None:
    """Unknown ids and impossible values are refused: a wrong score is worse than none."""
    known = {item.id for item in instrument.items}
    values = {option.value for option in instrument.options}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"{instrument.id}: unknown item ids {unknown}")
    for item_id, value in answers.items():
        # bool is an int in Python; True must not pass as "Several days".
        if isinstance(value, bool) or not isinstance(value, int) or value not in values:
            raise ValueError(f"{instrument.id}: {value!r} is not an answer value for {item_id}")


def _require(instrument: Instrument, answers: Mapping[str, int], item_ids: Iterable[str]) -> None:
    missing = [item_id for item_id in item_ids if item_id not in answers]
    if missing:
        raise ValueError(f"{instrument.id}: missing answers for {missing}")


def band_for(instrument: Instrument, total: int) -> SeverityBand:
    """The severity band whose inclusive range holds `total`."""
    for band in instrument.bands:
        if total in band.range:
            return band
    raise ValueError(f"{instrument.id}: total {total!r} is outside 0–{instrument.max_total}")


def severe_band(instrument: Instrument) -> SeverityBand:
    """The highest band (PHQ-9: 20–27), which calls for supervised initiation.

    Derived from the bands rather than written as `>= 20`, so the threshold lives in one place.
    """
    return max(instrument.bands, key=lambda band: band.range.low)


def is_safety_positive(instrument: Instrument, answers: Mapping[str, int]) -> bool:
    """Whether the safety item is at or above its threshold, on complete or partial answers.

    Works on partial answers so a check-in can start the safety protocol the moment the safety
    item is answered, before the remaining items are asked or scored. The flag is independent of
    the total on purpose: one answer on item 9 matters whatever the other eight say.
    """
    _validate_answers(instrument, answers)
    rule = instrument.safety
    if rule is None or rule.item not in answers:
        return False
    return answers[rule.item] >= rule.threshold


def score(instrument: Instrument, answers: Mapping[str, int]) -> Phq9Result:
    """Score a complete administration; raises ValueError on anything incomplete or unknown."""
    _validate_answers(instrument, answers)
    _require(instrument, answers, (item.id for item in instrument.items))
    total = sum(answers[item.id] for item in instrument.items)
    return Phq9Result(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        total=total,
        band=band_for(instrument, total).id,
        safety_positive=is_safety_positive(instrument, answers),
        item_answers=tuple((item.id, answers[item.id]) for item in instrument.items),
    )


def as_written_fraction(value: float) -> Fraction:
    """The simple fraction a decimal in a content file stands for.

    Clinicians write "two thirds" as 0.6667; read literally, 4 of 6 sessions (exactly two thirds)
    would fall short of it. A decimal that is the rounding of a fraction with a small
    denominator (to the digits written) is read as that fraction; any other decimal is exact.
    """
    written = Fraction(str(value))
    digits = len(str(value).partition(".")[2])
    half_last_digit = Fraction(1, 2 * 10**digits)
    for denominator in range(1, 13):
        simple = Fraction(round(written * denominator), denominator)
        if abs(simple - written) <= half_last_digit:
            return simple
    return written


def _check_total(instrument: Instrument, total: int) -> None:
    if isinstance(total, bool) or not 0 <= total <= instrument.max_total:
        raise ValueError(f"{instrument.id}: total {total!r} is outside 0–{instrument.max_total}")


def compare(instrument: Instrument, baseline_total: int, current_total: int) -> Change:
    """Change from the baseline (first complete administration) to the current total.

    Response needs a baseline above zero: from 0 there is nothing to halve, so it never counts.
    """
    _check_total(instrument, baseline_total)
    _check_total(instrument, current_total)
    rules = instrument.change
    delta = current_total - baseline_total
    drop = -delta
    response = baseline_total > 0 and drop >= as_written_fraction(
        rules.response_fraction
    ) * Fraction(baseline_total)
    return Change(
        baseline_total=baseline_total,
        current_total=current_total,
        delta=delta,
        meaningful_improvement=drop >= rules.meaningful_change,
        response=response,
        remission=current_total < rules.remission_below,
        deterioration=delta >= rules.deterioration_rise,
    )


def _short_form(instrument: Instrument, form_id: str) -> ShortForm:
    for form in instrument.short_forms:
        if form.id == form_id:
            return form
    raise ValueError(f"{instrument.id}: no short form {form_id!r}")


def short_form(
    instrument: Instrument, form_id: str, answers: Mapping[str, int]
) -> ShortFormResult:
    """Score a short form from its items; other answered items are allowed and ignored.

    Accepting a full PHQ-9's answers lets the weekly pulse be compared with a full check-in.
    """
    form = _short_form(instrument, form_id)
    _validate_answers(instrument, answers)
    _require(instrument, answers, form.items)
    total = sum(answers[item_id] for item_id in form.items)
    return ShortFormResult(
        form_id=form.id, total=total, cutoff=form.cutoff, positive=total >= form.cutoff
    )


__all__ = [
    "Change",
    "Phq9Result",
    "ShortFormResult",
    "as_written_fraction",
    "band_for",
    "compare",
    "is_safety_positive",
    "score",
    "severe_band",
    "short_form",
]
