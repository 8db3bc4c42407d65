"""The codes the FHIR export uses, with their sources (written out in docs/fhir.md).

LOINC codes for the PHQ-9 are those of LOINC panel 44249-1 ("PHQ-9 quick depression
assessment panel [Reported.PHQ]") and its answer lists LL358-3 (frequency) and LL359-1
(difficulty); the exercise codes are those the HL7 Physical Activity IG uses. What LOINC has
no code for (Stride's own trigger names, severity band ids, Borg effort, the prescription)
uses Stride's local code system, named so nobody mistakes it for a standard one.
"""

from __future__ import annotations

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
COMMUNICATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/communication-category"
STRIDE = "https://stride.example.org/fhir"
"""Base of Stride's local identifiers and code systems (replace per deployment if wanted)."""
STRIDE_CODES = f"{STRIDE}/CodeSystem/stride"
PATIENT_CODE_SYSTEM = f"{STRIDE}/NamingSystem/patient-code"
# The clinic's own patient reference from an invite; a deployment names its own system.
CLINIC_REF_SYSTEM = f"{STRIDE}/NamingSystem/clinic-reference"
PHQ9_BAND_SYSTEM = f"{STRIDE}/CodeSystem/phq9-band"
TRIGGER_SYSTEM = f"{STRIDE}/CodeSystem/escalation-trigger"

PHQ9_PANEL = ("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]")
PHQ9_TOTAL = ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")
PHQ9_DIFFICULTY = (
    "69722-7",
    "How difficult have these problems made it for you to do your work, take care of things "
    "at home, or get along with other people?",
)
# Stride's item id → LOINC item code (panel 44249-1, in the instrument's order).
PHQ9_ITEMS: dict[str, str] = {
    "phq9_1": "44250-9",  # Little interest or pleasure in doing things
    "phq9_2": "44255-8",  # Feeling down, depressed, or hopeless
    "phq9_3": "44259-0",  # Trouble falling or staying asleep, or sleeping too much
    "phq9_4": "44254-1",  # Feeling tired or having little energy
    "phq9_5": "44251-7",  # Poor appetite or overeating
    "phq9_6": "44258-2",  # Feeling bad about yourself ...
    "phq9_7": "44252-5",  # Trouble concentrating on things ...
    "phq9_8": "44253-3",  # Moving or speaking so slowly ...
    "phq9_9": "44260-8",  # Thoughts that you would be better off dead ...
}
# Answer value → LOINC answer code: LL358-3 for the items, LL359-1 for the difficulty item.
FREQUENCY_ANSWERS = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
DIFFICULTY_ANSWERS = {0: "LA6572-7", 1: "LA6573-5", 2: "LA6574-3", 3: "LA6575-0"}

EXERCISE_DURATION = ("55411-3", "Exercise duration")
EXERCISE_ACTIVITY = ("73985-4", "Exercise activity")
# Local codes (Stride's code system): no LOINC code says exactly this.
PERCEIVED_EXERTION = ("perceived-exertion", "Perceived exertion, Borg RPE 6–20 (self-reported)")
PRESCRIBED_MINUTES = ("prescribed-session-minutes", "Prescribed session minutes")
PRESCRIBED_RPE = ("prescribed-rpe", "Prescribed perceived exertion, Borg RPE 6–20")
PRESCRIBED_HRR = ("prescribed-hrr-percent", "Prescribed intensity, % of heart-rate reserve")
SESSION_STATUS = ("session-status", "Session done in full or in part")
WEEKLY_MINUTES = ("weekly-exercise-minutes", "Weekly exercise minutes")
