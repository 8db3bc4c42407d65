"""Loads a content directory into validated objects, or lists every problem in it.

One pass collects all problems (file, location, message) instead of stopping at the first,
because a clinician editing content wants the whole list at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from content.schemas.barriers import BarrierCatalogue
from content.schemas.consent import ConsentDocument
from content.schemas.crisis import CrisisDirectory
from content.schemas.instrument import Instrument
from content.schemas.modalities import ModalityCatalogue
from content.schemas.nudges import NudgePolicy
from content.schemas.protocol import Protocol
from content.schemas.readiness import ReadinessScreen
from content.schemas.risk import RiskLexicon
from content.schemas.risk_policy import ConcernPolicy, NormalisationTable
from content.schemas.understanding import (
    RouteTable,
    UnderstandingLexicon,
    cross_reference_problems,
)
from content.texts import FALLBACK_LANGUAGE, Texts, flatten, placeholders

SHIPPED_CONTENT = Path(__file__).parent / "data"

M = TypeVar("M", bound=BaseModel)

# Single-document files and the schema each must satisfy.
SINGLE_FILES: dict[str, type[BaseModel]] = {
    "phq9.yaml": Instrument,
    "readiness.yaml": ReadinessScreen,
    "protocol.yaml": Protocol,
    "modalities.yaml": ModalityCatalogue,
    "barriers.yaml": BarrierCatalogue,
    "crisis.yaml": CrisisDirectory,
    "nudges.yaml": NudgePolicy,
    "consent.yaml": ConsentDocument,
    "risk/normalise.yaml": NormalisationTable,
    "risk/concern.yaml": ConcernPolicy,
}
_KEY_FIELD = re.compile(r"(^|_)key$")


@dataclass(frozen=True)
class ContentProblem:
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.location}" if self.location else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Raised by `load_content` with every problem found."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Content:
    phq9: Instrument
    readiness: ReadinessScreen
    protocol: Protocol
    modalities: ModalityCatalogue
    barriers: BarrierCatalogue
    crisis: CrisisDirectory
    nudges: NudgePolicy
    consent: ConsentDocument
    risk: Mapping[str, RiskLexicon]
    understanding: Mapping[str, UnderstandingLexicon]
    routes: RouteTable
    texts: Texts
    directory: Path
    # The risk screen's character table and the rules after a concern (data/risk/).
    risk_normalisation: NormalisationTable
    concern: ConcernPolicy


def _read_yaml(path: Path, rel: str, problems: list[ContentProblem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(ContentProblem(rel, "", "file is missing"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problems.append(ContentProblem(rel, where, f"not valid YAML: {error}"))
    return None


def _validate(schema: type[M], data: Any, rel: str, problems: list[ContentProblem]) -> M | None:
    if data is None:
        return None
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            location = ".".join(str(part) for part in detail["loc"])
            problems.append(ContentProblem(rel, location, detail["msg"]))
    return None


def _referenced_keys(node: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """(location, key) of every text key a content object refers to."""
    if isinstance(node, Mapping):
        for name, value in node.items():
            here = f"{path}.{name}" if path else str(name)
            if isinstance(value, str) and _KEY_FIELD.search(str(name)):
                yield here, value
            elif name == "buttons" and isinstance(value, list):
                yield from ((f"{here}.{i}", v) for i, v in enumerate(value))
            else:
                yield from _referenced_keys(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _referenced_keys(value, f"{path}.{index}")


def _load_texts(directory: Path, problems: list[ContentProblem]) -> Texts:
    """Texts live in `messages/{lang}/*.yaml`; files of one language are merged."""
    by_language: dict[str, dict[str, str | list[str]]] = {}
    for language_dir in sorted(p for p in (directory / "messages").glob("*") if p.is_dir()):
        merged: dict[str, str | list[str]] = {}
        for path in sorted(language_dir.glob("*.yaml")):
            rel = f"messages/{language_dir.name}/{path.name}"
            data = _read_yaml(path, rel, problems)
            if not isinstance(data, Mapping):
                if data is not None:
                    problems.append(ContentProblem(rel, "", "must be a mapping of text keys"))
                continue
            try:
                flat = flatten(data)
            except ValueError as error:
                problems.append(ContentProblem(rel, "", str(error)))
                continue
            for key in sorted(set(flat) & set(merged)):
                problems.append(ContentProblem(rel, key, "key is defined in another file too"))
            merged.update(flat)
        by_language[language_dir.name] = merged
    if FALLBACK_LANGUAGE not in by_language:
        problems.append(ContentProblem("messages/en/", "", "English texts are required"))
    english = by_language.get(FALLBACK_LANGUAGE, {})
    for language, texts in by_language.items():
        where = f"messages/{language}/"
        for key, value in texts.items():
            for variant in _as_list(value):
                try:
                    fields = placeholders(variant)
                except ValueError as error:
                    problems.append(ContentProblem(where, key, str(error)))
                    continue
                if language != FALLBACK_LANGUAGE and key in english:
                    expected = set().union(*(_safe_fields(v) for v in _as_list(english[key])))
                    extra = fields - expected
                    if extra:
                        problems.append(
                            ContentProblem(
                                where,
                                key,
                                f"uses {sorted(extra)} which the English text does not provide",
                            )
                        )
            if language != FALLBACK_LANGUAGE and key not in english:
                problems.append(ContentProblem(where, key, "key is not in English"))
    return Texts(by_language)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _safe_fields(text: str) -> set[str]:
    try:
        return placeholders(text)
    except ValueError:
        return set()


def _load_risk(directory: Path, problems: list[ContentProblem]) -> dict[str, RiskLexicon]:
    lexicons: dict[str, RiskLexicon] = {}
    # Language files only (`en.yaml`); `normalise.yaml` and `concern.yaml` are single files.
    for path in sorted((directory / "risk").glob("??.yaml")):
        rel = f"risk/{path.name}"
        lexicon = _validate(RiskLexicon, _read_yaml(path, rel, problems), rel, problems)
        if lexicon is not None:
            lexicons[path.stem] = lexicon
    if not lexicons:
        problems.append(ContentProblem("risk/", "", "at least one risk lexicon is required"))
    return lexicons


def _load_understanding(
    directory: Path, problems: list[ContentProblem], raw: dict[str, Any]
) -> tuple[dict[str, UnderstandingLexicon], RouteTable | None]:
    """`understanding/{lang}.yaml` phrase lists and `understanding/routes.yaml`."""
    lexicons: dict[str, UnderstandingLexicon] = {}
    for path in sorted((directory / "understanding").glob("*.yaml")):
        if path.name == "routes.yaml":
            continue
        rel = f"understanding/{path.name}"
        lexicon = _validate(UnderstandingLexicon, _read_yaml(path, rel, problems), rel, problems)
        if lexicon is not None and lexicon.language != path.stem:
            problems.append(ContentProblem(rel, "language", "must match the file name"))
        elif lexicon is not None:
            lexicons[path.stem] = lexicon
    rel = "understanding/routes.yaml"
    raw[rel] = _read_yaml(directory / rel, rel, problems)
    return lexicons, _validate(RouteTable, raw[rel], rel, problems)


def check_content(directory: Path | None = None) -> tuple[Content | None, list[ContentProblem]]:
    """Validate every file and every cross-reference; return the content if there is none."""
    directory = Path(directory or SHIPPED_CONTENT)
    problems: list[ContentProblem] = []
    if not directory.is_dir():
        return None, [ContentProblem(str(directory), "", "is not a directory")]
    raw: dict[str, Any] = {}
    loaded: dict[str, BaseModel | None] = {}
    for name, schema in SINGLE_FILES.items():
        raw[name] = _read_yaml(directory / name, name, problems)
        loaded[name] = _validate(schema, raw[name], name, problems)
    texts = _load_texts(directory, problems)
    risk = _load_risk(directory, problems)
    understanding, routes = _load_understanding(directory, problems, raw)
    for name, data in raw.items():
        for location, key in _referenced_keys(data):
            if not texts.has(key):
                problems.append(ContentProblem(name, location, f"text key {key!r} is not defined"))
    crisis = loaded["crisis.yaml"]
    if isinstance(crisis, CrisisDirectory) and not texts.has(crisis.fallback_key):
        problems.append(ContentProblem("crisis.yaml", "fallback_key", "text key is not defined"))
    consent = loaded["consent.yaml"]
    if isinstance(consent, ConsentDocument):
        for index, key in enumerate(consent.text_keys):
            if not texts.has(key):
                problems.append(
                    ContentProblem(
                        "consent.yaml", f"text_keys.{index}", f"text key {key!r} is not defined"
                    )
                )
    concern = loaded["risk/concern.yaml"]
    if isinstance(concern, ConcernPolicy):
        for language in sorted(texts.languages):
            problems.extend(
                ContentProblem("risk/concern.yaml", key, f"text key is not defined in {language}")
                for key in concern.text_keys()
                if not texts.has(key, language)
            )
    missing_risk = set(texts.languages) - set(risk)
    for language in sorted(missing_risk):
        problems.append(
            ContentProblem(f"risk/{language}.yaml", "", "no risk lexicon for a language")
        )
    for language in sorted(set(texts.languages) - set(understanding)):
        problems.append(
            ContentProblem(f"understanding/{language}.yaml", "", "no phrase list for a language")
        )
    barriers, modalities = loaded["barriers.yaml"], loaded["modalities.yaml"]
    if (
        routes is not None
        and isinstance(barriers, BarrierCatalogue)
        and isinstance(modalities, ModalityCatalogue)
    ):
        problems.extend(
            ContentProblem(*problem)
            for problem in cross_reference_problems(
                understanding,
                routes,
                {b.id for b in barriers.barriers},
                {a.id for a in modalities.activities},
                {m.id for m in modalities.modalities},
            )
        )
    if problems:
        return None, problems
    assert routes is not None  # a missing or invalid table is a problem above
    content = Content(
        phq9=_as(Instrument, loaded["phq9.yaml"]),
        readiness=_as(ReadinessScreen, loaded["readiness.yaml"]),
        protocol=_as(Protocol, loaded["protocol.yaml"]),
        modalities=_as(ModalityCatalogue, loaded["modalities.yaml"]),
        barriers=_as(BarrierCatalogue, loaded["barriers.yaml"]),
        crisis=_as(CrisisDirectory, loaded["crisis.yaml"]),
        nudges=_as(NudgePolicy, loaded["nudges.yaml"]),
        consent=_as(ConsentDocument, loaded["consent.yaml"]),
        risk=risk,
        understanding=understanding,
        routes=routes,
        texts=texts,
        directory=directory,
        risk_normalisation=_as(NormalisationTable, loaded["risk/normalise.yaml"]),
        concern=_as(ConcernPolicy, loaded["risk/concern.yaml"]),
    )
    return content, []


def _as(schema: type[M], value: BaseModel | None) -> M:
    assert isinstance(value, schema)
    return value


def load_content(directory: Path | None = None) -> Content:
    """The validated content, or `ContentError` listing every problem."""
    content, problems = check_content(directory)
    if content is None:
        raise ContentError(problems)
    return content


@cache
def shipped_content() -> Content:
    """The content shipped with Stride, loaded once per process."""
    return load_content(SHIPPED_CONTENT)


__all__ = [
    "SHIPPED_CONTENT",
    "Content",
    "ContentError",
    "ContentProblem",
    "check_content",
    "load_content",
    "shipped_content",
]
