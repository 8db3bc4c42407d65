"""The PHQ-9 is validated as worded: every shipped language must match the published text.

The reference strings below are copied from CLINICAL_SPEC.md section 1 (the publisher's English
and its Spanish version for the USA), independently of content/data/phq9.yaml.
"""

from __future__ import annotations

import pytest

from content.loader import Content

STEM = {
    "en": "Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    "es": "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los "
    "siguientes problemas?",
}

OPTIONS = {
    "en": ["Not at all", "Several days", "More than half the days", "Nearly every day"],
    "es": ["Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"],
}

ITEMS = {
    "en": [
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ],
    "es": [
        "Poco interés o placer en hacer cosas",
        "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
        "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
        "Se ha sentido cansado(a) o con poca energía",
        "Sin apetito o ha comido en exceso",
        "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con "
        "usted mismo(a) o con su familia",
        "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el "
        "periódico o ver la televisión",
        "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo "
        "contrario – muy inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo "
        "normal",
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
    ],
}

DIFFICULTY = {
    "en": "If you checked off any problems, how difficult have these problems made it for you "
    "to do your work, take care of things at home, or get along with other people?",
    "es": "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos "
    "problemas para hacer su trabajo, encargarse de las tareas del hogar, o llevarse bien con "
    "otras personas?",
}

DIFFICULTY_OPTIONS = {
    "en": ["Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"],
    "es": ["No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil"],
}

LANGUAGES = ["en", "es"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_stem_is_exact(content: Content, language: str) -> None:
    assert content.phq9.stem.get(language) == STEM[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_answer_options_are_exact_and_scored_0_to_3(content: Content, language: str) -> None:
    options = sorted(content.phq9.options, key=lambda o: o.value)
    assert [o.value for o in options] == [0, 1, 2, 3]
    assert [o.label.get(language) for o in options] == OPTIONS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_items_are_exact_and_in_order(content: Content, language: str) -> None:
    assert [item.text.get(language) for item in content.phq9.items] == ITEMS[language]
    assert [item.id for item in content.phq9.items] == [f"phq9_{n}" for n in range(1, 10)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_difficulty_question_is_exact(content: Content, language: str) -> None:
    difficulty = content.phq9.difficulty
    assert difficulty is not None
    assert difficulty.text.get(language) == DIFFICULTY[language]
    labels = [o.label.get(language) for o in sorted(difficulty.options, key=lambda o: o.value)]
    assert labels == DIFFICULTY_OPTIONS[language]


def test_every_text_language_has_the_instrument_wording(content: Content) -> None:
    """A language shipped for chat texts must also have the exact instrument wording."""
    assert set(content.texts.languages) <= set(LANGUAGES)
