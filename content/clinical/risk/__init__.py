"""The free-text risk screen and what follows a finding (see docs/safety/detector.md).

- `screen`: `RiskScreen.screen(text, language) -> RiskFinding` (level, categories, matches);
- `normalise`: the text every pattern is matched against, with offsets back to the original;
- `patterns`: lexicon patterns compiled to regular expressions;
- `concern`: the pure escalation rules for a *concern* (data/risk/concern.yaml);
- `evaluation`: recall and false alarms on the labelled messages, for the docs.
"""

from content.clinical.risk.lines import screen_lines
from content.clinical.risk.screen import (
    DEFAULT_CONTENT_DIR,
    NO_RISK,
    RiskFinding,
    RiskMatch,
    RiskScreen,
    lexicon_paths,
    load_normalisation_table,
    load_risk_lexicons,
    normalise,
    normalised_variants,
    shipped_risk_screen,
)

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "NO_RISK",
    "RiskFinding",
    "RiskMatch",
    "RiskScreen",
    "lexicon_paths",
    "load_normalisation_table",
    "load_risk_lexicons",
    "normalise",
    "normalised_variants",
    "screen_lines",
    "shipped_risk_screen",
]
