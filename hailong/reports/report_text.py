"""The words of the PDF report, as msgids of the `reports` catalog."""

from __future__ import annotations

from hailong.i18n import N_

SURVEY_NAME = N_(
    "Index of satisfaction of citizens and organisations with the service of state "
    "administrative agencies (SIPAS)"
)
REPORT_TITLE = N_("SURVEY RESULTS REPORT")
UNIT_CODE = N_("Unit code")
LEVEL = N_("Level")
PART_OF = N_("Part of")
PERIOD = N_("Survey period")
PERIOD_DATES = N_("{code}, from {start} to {end}")
CHANNELS_COUNTED = N_("Channels counted")
OFFICIAL_CHANNELS = N_("Official channels: {channels}")
ALL_CHANNELS = N_("All channels: {channels}")
QUESTIONNAIRE = N_("Questionnaire")
GENERATED_ON = N_("Report generated on")
SIPAS_INDEX = N_("SIPAS index")
FROM_RESPONSES = N_("from {count} counted responses")
LEGAL_BASIS = N_(
    "Measured by the method of Decision No. 1001/QĐ-BNV of 11/12/2023 of the Ministry of Home "
    "Affairs. Each figure is the share of “satisfied” and “very satisfied” answers, in percent."
)
FOOTER = N_("SIPAS report · {unit} · period {period}")
PAGE = N_("Page {page}")
DOCUMENT_TITLE = N_("SIPAS report: {unit}, period {period}")

ELEMENTS_HEADING = N_("{number}. The SIPAS index and its elements")
ELEMENT = N_("Element")
CONTENT = N_("Content")
INDEX = N_("Index (%)")
COUNTED = N_("Counted responses: {count}.")
NO_RESPONSES = N_("No counted response yet: the index has no figure.")
ROLLUP_MEAN = N_(
    "The figures of a unit with units below it are the plain mean of the figures of those of "
    "its units that have counted responses."
)
ROLLUP_POOLED = N_(
    "The figures of a unit with units below it are computed from all the responses below it, "
    "as if from one unit."
)
CHART_CAPTION = N_("The index of each element (%); the dashed line marks the SIPAS index.")

CRITERIA_HEADING = N_("{number}. The criteria, lowest first")
CRITERIA_INTRO = N_("The criteria with the lowest index are where improvement is needed first.")
CRITERION = N_("Criterion")
SUMMED_ANSWERS = N_(
    "For a unit with units below it, the answers are counted over all its units, while each "
    "index is the mean of its units' indices."
)
VALID = N_("Valid answers")
SATISFIED = N_("Satisfied")

WARNINGS_HEADING = N_("{number}. Warning signals")
WARNINGS_INTRO = N_(
    "The share of those who answered that some or many officials caused them trouble or "
    "harassed them, or that people had to pay beyond the official fees."
)
WARNING_LABELS = {
    "harassment": N_("Officials caused trouble or harassment"),
    "extra_payment": N_("Payments beyond the official fees"),
}
SIGNAL = N_("Signal")
ANSWERED = N_("Answered")
FLAGGED = N_("“Some” or “many” (2–3)")
SHARE = N_("Share (%)")

PRIORITIES_HEADING = N_("{number}. Improvement priorities")
PRIORITIES_INTRO = N_("Each citizen may choose up to three; shares are of the counted responses.")
CHOICES = N_("Choices")

QUOTA_HEADING = N_("{number}. Quota progress")
QUOTA_LINE = N_("Quota: {target} forms; counted towards it: {counted} ({percent}%).")
UNITS_MET = N_("Units that met their quota: {met} of {units}.")
QUOTA_NOTE = N_("Forms beyond one unit's quota do not make up for another unit's shortfall.")
UNIT = N_("Unit")
QUOTA = N_("Quota")
TOWARDS = N_("Counted")
PROGRESS = N_("Progress (%)")
RESULT = N_("Result")
MET = N_("Met")
NOT_MET = N_("Not met")
NO_QUOTA = N_("No quota")
SOME_MET = N_("{met} of {units} units met")

CHILDREN_HEADING = N_("{number}. Units below, best first")
RESPONSES = N_("Responses")
