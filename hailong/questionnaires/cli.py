"""`hailong questionnaires check|load|list`: questionnaire versions are data officials load."""

from __future__ import annotations

from pathlib import Path

import typer

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows
from hailong.cli_support import cli_context
from hailong.i18n import N_, Catalogs
from hailong.questionnaires.service import load_version, parse_source, version_rows
from survey_flows import Questionnaire, QuestionnaireError, load_questionnaire, read_source

DOMAIN = "questionnaires"
CHECK_OK = N_(
    "{code}: {sections} sections, {elements} elements ({element_codes}), {criteria} criteria."
)
PROBLEMS = N_("Problems found in {file}: {count}.")
NOTHING_STORED = N_("Problems found in {file}: {count}. Nothing was stored.")
STORED = N_("Questionnaire version {code} stored ({criteria} criteria).")
UNCHANGED = N_("Questionnaire version {code} is already stored with this content; nothing changed.")
CODE = N_("Code")
TITLE = N_("Title")
CRITERIA = N_("Criteria")
RESPONSES = N_("Responses")
LOADED_AT = N_("Loaded at")

FILE_ARGUMENT = typer.Argument(
    ..., exists=True, dir_okay=False, readable=True, help="A questionnaire version in YAML."
)


def register(app: typer.Typer) -> None:
    questionnaires_app = typer.Typer(
        no_args_is_help=True, help="Questionnaire versions: check, load and list them."
    )
    questionnaires_app.command("check")(check)
    questionnaires_app.command("load")(load)
    questionnaires_app.command("list")(list_command)
    app.add_typer(questionnaires_app, name="questionnaires")


def catalogs() -> Catalogs:
    return Catalogs(DOMAIN)


def summary(questionnaire: Questionnaire) -> dict[str, object]:
    elements = questionnaire.elements()
    return {
        "code": questionnaire.code,
        "sections": len(questionnaire.sections),
        "elements": len(elements),
        "element_codes": ", ".join(element.code for element in elements),
        "criteria": len(questionnaire.criteria_keys()),
    }


def print_problems(error: QuestionnaireError, file: Path, message: str, *, err: bool) -> None:
    # Each problem's place is the file's own structure (and line); the text stays as written.
    for problem in error.problems:
        typer.echo(str(problem), err=err)
    typer.echo(catalogs().both(message, count=len(error.problems), file=file), err=err)


def check(file: Path = FILE_ARGUMENT) -> None:
    """Check a questionnaire file: every problem with its place, or OK and a summary."""
    try:
        questionnaire = load_questionnaire(file)
    except QuestionnaireError as error:
        print_problems(error, file, PROBLEMS, err=False)
        raise typer.Exit(1) from None
    typer.echo("OK")
    typer.echo(catalogs().both(CHECK_OK, **summary(questionnaire)))


def load(ctx: typer.Context, file: Path = FILE_ARGUMENT) -> None:
    """Store a new questionnaire version; a stored version never changes."""
    context = cli_context(ctx)
    try:
        source = read_source(file)
        with context.transaction() as session:
            version, created = load_version(session, source)
            code = version.code
    except QuestionnaireError as error:
        print_problems(error, file, NOTHING_STORED, err=True)
        raise typer.Exit(1) from None
    criteria = len(parse_source(source).criteria_keys())
    typer.echo(catalogs().both(STORED if created else UNCHANGED, code=code, criteria=criteria))


def list_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """The stored questionnaire versions, with how many responses use each."""
    context = cli_context(ctx)
    with context.sessions() as session:
        rows = version_rows(session)
    if output is OutputFormat.json:
        print_json(rows)
        return
    headings = catalogs()
    columns = [
        ("code", headings.both(CODE)),
        ("title", headings.both(TITLE)),
        ("criteria", headings.both(CRITERIA)),
        ("responses", headings.both(RESPONSES)),
        ("loaded_at", headings.both(LOADED_AT)),
    ]
    print_rows(rows, columns, output)
