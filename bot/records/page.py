"""The report as one HTML page: tables, inline SVG charts, inline CSS, nothing fetched.

A Content-Security-Policy of `default-src 'none'` makes the browser refuse any request the
page might still try (an image, a font, a script): the page works offline at a meeting and
leaks nothing to anyone when opened.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from bot.records.charts import dose_fidelity_figure, outcomes_figure, phq9_points, to_svg
from bot.records.metrics import Durations
from bot.records.report import Report

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:80rem;color:#222;
padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #2f6fbf;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:12px}
th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:right;white-space:nowrap}
th{background:#eef2f8}td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:12px;max-width:60rem}.chart svg{max-width:100%;height:auto}
.low{background:#fdecea}.met{background:#e8f5e9}.card{display:inline-block;margin:0 1.2rem .8rem 0}
.card b{display:block;font-size:1.5rem}.scroll{overflow-x:auto;max-width:100%}
"""
LOW_FIDELITY = 0.5
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return html.escape(str(value))


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], classes: Sequence[str] = ()
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        css = f' class="{classes[index]}"' if index < len(classes) and classes[index] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f"<div class='scroll'>{table}</div>"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _durations(name: str, d: Durations) -> list[object]:
    return [name, d.count, duration(d.median), duration(d.p90), duration(d.maximum)]


def _engagement(report: Report) -> str:
    e = report.engagement
    completion = "–" if e.onboarding_completion is None else f"{e.onboarding_completion:.0%}"
    cards = [
        ("patients", e.patients),
        ("consented", e.consented),
        ("onboarding completed", f"{e.onboarded} ({completion})"),
        ("active in the last 7 days", e.active_last_7_days),
        ("paused", e.paused),
        ("discharged", e.discharged),
        ("consent withdrawn", e.withdrawn),
        ("erased on request", e.erased),
    ]
    html_cards = "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards)
    weekly = _table(
        ["week of", "active patients"],
        [(w.week_start.isoformat(), w.active_patients) for w in report.weekly_active],
    )
    return f"<h2 id='engagement'>Engagement</h2>{html_cards}<h3>Weekly active</h3>{weekly}"


def _fidelity_class(fidelity: float | None, unfinished: bool) -> str:
    """Green when the week's dose was met, red under half of it; a week under way is neither."""
    if fidelity is None or unfinished:
        return ""
    if fidelity >= 1:
        return "met"
    return "low" if fidelity < LOW_FIDELITY else ""


def _dose(report: Report) -> str:
    parts = [
        "<h2 id='dose'>Dose fidelity</h2>",
        "<p class='note'>Prescribed: the protocol's dose for each programme week, written again "
        "from the patient's profile and their PHQ-9 before that week (Stride does not store "
        "past prescriptions; a phase held or repeated by the progression rule is not shown). "
        "Delivered: minutes logged for sessions done in full or in part. Fidelity: delivered "
        "minutes over the lower bound of the weekly target.</p>",
    ]
    for records in report.dataset.patients:
        weeks = report.weeks.get(records.code, [])
        if not weeks:
            continue
        today = report.generated_at.date()
        rows = [
            (
                w.week,
                w.start.isoformat() + (" (so far)" if w.end >= today else ""),
                "maintenance" if w.phase_id is None else w.phase_id,
                f"{w.sessions_low}–{w.sessions_high} × "
                f"{w.session_minutes_low}–{w.session_minutes_high}",
                f"{w.weekly_minutes_low}–{w.weekly_minutes_high}",
                f"{w.hrr_percent_low}–{w.hrr_percent_high}% / RPE {w.rpe_low}–{w.rpe_high}",
                w.delivered_minutes,
                f"{w.sessions_done} + {w.sessions_partial} part",
                w.sessions_not_done,
                w.mean_effort,
                "–" if w.fidelity is None else f"{w.fidelity:.0%}",
                w.phq9_total,
            )
            for w in weeks
        ]
        classes = [_fidelity_class(w.fidelity, w.end >= today) for w in weeks]
        chart = to_svg(
            dose_fidelity_figure(weeks, phq9_points(records), f"{records.code}", report.phq9_max)
        )
        parts.append(f"<h3 id='dose-{_e(records.code)}'>{_e(records.code)}</h3>")
        parts.append(f"<div class='chart'>{chart}</div>")
        parts.append(
            _table(
                [
                    "week",
                    "from",
                    "phase",
                    "sessions × min",
                    "weekly min",
                    "intensity",
                    "delivered min",
                    "done",
                    "not done",
                    "effort (RPE)",
                    "fidelity",
                    "PHQ-9",
                ],
                rows,
                classes,
            )
        )
    return "".join(parts)


def _outcomes(report: Report) -> str:
    rules = "; ".join(f"{k}: {v}" for k, v in report.thresholds.items())
    per_patient = _table(
        [
            "patient",
            "baseline",
            "latest",
            "change",
            "response",
            "remission",
            "deterioration",
            "meaningful improvement",
        ],
        [
            (
                o.code,
                o.baseline,
                o.latest,
                o.change,
                o.response,
                o.remission,
                o.deterioration,
                o.meaningful_improvement,
            )
            for o in report.outcomes
        ],
    )
    by_week = _table(
        [
            "programme week",
            "patients with a follow-up",
            "response",
            "remission",
            "meaningful improvement",
            "deterioration",
        ],
        [
            (
                w.week,
                w.patients,
                w.response,
                w.remission,
                w.meaningful_improvement,
                w.deterioration,
            )
            for w in report.outcomes_by_week
        ],
    )
    chart = to_svg(outcomes_figure(report.outcomes_by_week)) if report.outcomes_by_week else ""
    return (
        "<h2 id='outcomes'>Outcomes (PHQ-9)</h2>"
        f"<p class='note'>Against each patient's baseline (first complete PHQ-9), with the "
        f"thresholds of content/data/phq9.yaml — {html.escape(rules)}.</p>"
        f"{per_patient}<h3>By programme week</h3><div class='chart'>{chart}</div>{by_week}"
    )


def _safety(report: Report) -> str:
    s = report.safety
    triggers = _table(["trigger", "incidents"], sorted(s.by_trigger.items()))
    times = _table(
        ["time from alert to", "incidents", "median", "p90", "max"],
        [_durations("acknowledgement", s.to_acknowledge), _durations("resolution", s.to_resolve)],
    )
    states = _table(["state", "incidents"], sorted(s.by_state.items()))
    responses = _table(["patient's answer", "incidents"], sorted(s.patient_responses.items()))
    return (
        "<h2 id='safety'>Safety</h2>"
        f"<div class='card'><b>{s.incidents}</b>incidents</div>"
        f"<div class='card'><b>{s.open}</b>still open</div>"
        f"<div class='card'><b>{s.re_escalated}</b>re-escalated (not acknowledged in time)</div>"
        f"<h3>By trigger</h3>{triggers}<h3>Response times</h3>{times}"
        f"<h3>Outcomes</h3>{states}{responses}"
    )


def render(report: Report) -> str:
    since = f" from {report.since.isoformat()}" if report.since else ""
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Stride clinic report</title><style>{CSS}</style></head><body>"
        f"<h1>Stride clinic report</h1><p class='note'>Generated {generated}{since}. "
        "Patients appear by code only. The CSV file behind each table is in this folder.</p>"
        "<nav><a href='#engagement'>Engagement</a> · <a href='#dose'>Dose fidelity</a> · "
        "<a href='#outcomes'>Outcomes</a> · <a href='#safety'>Safety</a></nav>"
        f"{_engagement(report)}{_dose(report)}{_outcomes(report)}{_safety(report)}"
        "</body></html>"
    )
