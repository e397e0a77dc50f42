"""`hailong index`: the SIPAS index of a unit (or of the whole country) and everything below it.

`--format json` prints the methodology page's "Index as JSON"; `table` is for people (Vietnamese
headers, two decimals, "—" where there is no figure); `csv` is for scripts and spreadsheets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import typer
from sqlalchemy.orm import Session

from hailong.cli_output import OutputFormat as ListFormat
from hailong.cli_output import print_json, print_rows
from hailong.cli_support import cli_context
from hailong.i18n import N_, Catalogs
from hailong.index import tables
from hailong.index.formula import Formula, formula_for
from hailong.index.presenting import counters_json, fields_json, index_json, warnings
from hailong.index.selection import CountersNeedUnit, IndexSelection, parent_of, select_index
from hailong.index.service import (
    ChannelGroup,
    IndexResult,
    compute_index,
    index_by_counter,
    index_by_field,
)
from hailong.questionnaires.service import questionnaire_by_id


class IndexFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Breakdown(StrEnum):
    unit = "unit"
    counter = "counter"
    field = "field"


WHOLE_COUNTRY = N_("Whole country")
TITLE = N_("SIPAS index, period {period}, {channels}: {name}")
OFFICIAL_CHANNELS = N_("official channels")
ALL_CHANNELS = N_("all channels")
FIELD_TITLE = N_("Procedure field: {field}")
NO_FIELD = N_("(no field)")
UNIT_CODE = N_("Unit code")
UNIT_NAME = N_("Unit name")
OWN_FIGURES = N_("{name} (own counters)")
COUNTER = N_("Counter")
NO_COUNTER = N_("(no counter)")
RESPONSES = N_("Responses")
SIPAS = N_("SIPAS index (%)")
CRITERION = N_("Criterion")
ELEMENT = N_("Element")
INDEX = N_("Index (%)")
VALID = N_("Valid answers")
SATISFIED = N_("Satisfied")
WARNING_LINE = N_("{signal}: {share}% of {answered} answers say some or many")
UNRATED_LINE = N_(
    "Left out: {count} finished forms that rate no criterion (kept, but counted neither in "
    "the index nor toward the quota)."
)
SIGNALS = {
    "harassment": N_("Harassment by officials"),
    "extra_payment": N_("Payments outside the rules"),
}


@dataclass(frozen=True)
class Scope:
    """What every breakdown's title, CSV lead and JSON head name: the period, the channel
    group, the unit (None: the whole country) and the formula's elements and criteria."""

    period_code: str
    channels: ChannelGroup
    unit_code: str | None
    name: str
    formula: Formula


def scope_of(result: IndexResult) -> Scope:
    unit = result.root.unit
    return Scope(
        period_code=result.period.code,
        channels=result.channels,
        unit_code=None if unit is None else unit.code,
        name=result.root.name,
        formula=result.formula,
    )


def request_scope(session: Session, request: IndexSelection, national_name: str) -> Scope:
    """The scope without computing the tree's index (the counter and field breakdowns read
    their own counts)."""
    period = request.period
    return Scope(
        period_code=period.code,
        channels=request.channels,
        unit_code=None if request.unit is None else request.unit.code,
        name=national_name if request.unit is None else request.unit.name,
        formula=formula_for(questionnaire_by_id(session, period.questionnaire_id), period),
    )


class Printer:
    """Prints one breakdown of the index in one format; headers are Vietnamese."""

    def __init__(self, catalogs: Catalogs, output: IndexFormat, parent_code: str = "") -> None:
        self.catalogs = catalogs
        self.output = output
        self.parent_code = parent_code  # the unit's parent, above the printed tree

    def vi(self, message: str, **params: object) -> str:
        text = self.catalogs.get("vi").gettext(message)
        return text.format(**params) if params else text

    def channels(self, group: ChannelGroup) -> str:
        return self.vi(OFFICIAL_CHANNELS if group is ChannelGroup.official else ALL_CHANNELS)

    # -- by unit ----------------------------------------------------------------------------

    def units(self, request: IndexSelection, result: IndexResult) -> None:
        if self.output is IndexFormat.json:
            print_json(index_json(result))
            return
        rows = tables.unit_rows(result, self.parent_code)
        scope = scope_of(result)
        if self.output is IndexFormat.csv:
            head = ["period", "channels", "unit", "name", "level", "parent", "depth", "scope"]
            typer.echo(self._csv(scope, head, [self._unit_head(scope, r) for r in rows], rows))
            return
        typer.echo(self.title(scope))
        self._unit_table(result.formula, rows)
        self._criteria_table(result)
        if result.root.counts.unrated:
            typer.echo(self.vi(UNRATED_LINE, count=result.root.counts.unrated))

    def _unit_head(self, scope: Scope, row: tables.FigureRow) -> list[Any]:
        return [
            scope.period_code,
            scope.channels.value,
            row.code,
            row.name,
            row.level,
            row.parent,
            row.depth,
            row.scope,
        ]

    def title(self, scope: Scope) -> str:
        channels = self.channels(scope.channels)
        return self.vi(TITLE, period=scope.period_code, channels=channels, name=scope.name)

    def _unit_table(self, formula: Formula, rows: Sequence[tables.FigureRow]) -> None:
        lines = []
        for row in rows:
            name = (
                row.name
                if row.scope == tables.SCOPE_SUBTREE
                else self.vi(OWN_FIGURES, name=row.name)
            )
            line = {"code": row.code, "name": "  " * row.depth + name, "responses": row.responses}
            lines.append(line | tables.figure_cells(row, formula, tables.NO_FIGURE))
        columns = [
            ("code", self.vi(UNIT_CODE)),
            ("name", self.vi(UNIT_NAME)),
            ("responses", self.vi(RESPONSES)),
            ("sipas", self.vi(SIPAS)),
            *((code, code) for code, _ in formula.elements),
        ]
        print_rows(lines, columns, ListFormat.table)

    def _criteria_table(self, result: IndexResult) -> None:
        root = result.root
        formula = result.formula
        lines = tables.criterion_lines(root.counts, root.figures, formula)
        columns = [
            ("criterion", self.vi(CRITERION)),
            ("element", self.vi(ELEMENT)),
            ("index", self.vi(INDEX)),
            ("valid", self.vi(VALID)),
            ("satisfied", self.vi(SATISFIED)),
            *((code, code) for code in sorted(formula.scale)),
        ]
        print_rows(lines, columns, ListFormat.table)
        for warning in warnings(result, root.counts):
            signal = self.vi(SIGNALS.get(warning.key, warning.key))
            share = tables.figure_text(warning.share)
            typer.echo(self.vi(WARNING_LINE, signal=signal, share=share, answered=warning.answered))

    def _csv(
        self,
        scope: Scope,
        head: list[str],
        leads: Sequence[Sequence[Any]],
        rows: Sequence[tables.FigureRow],
    ) -> str:
        formula = scope.formula
        figure_keys = ["sipas", *(code for code, _ in formula.elements), *formula.criteria]
        header = [*head, "responses", *figure_keys]
        lines = []
        for lead, row in zip(leads, rows, strict=True):
            cells = tables.figure_cells(row, formula, "")
            lines.append([*lead, row.responses, *(cells[key] for key in figure_keys)])
        return tables.csv_text(header, lines).rstrip("\n")

    # -- by counter -------------------------------------------------------------------------

    def counters(self, request: IndexSelection, scope: Scope, session: Session) -> None:
        assert request.unit is not None
        found = index_by_counter(session, request.period, request.unit, channels=request.channels)
        if self.output is IndexFormat.json:
            print_json(self._scope_json(scope) | {"counters": counters_json(scope.formula, found)})
            return
        rows = tables.counter_rows(found)
        if self.output is IndexFormat.csv:
            head = ["period", "channels", "unit", "counter_id", "counter"]
            leads = [
                [scope.period_code, scope.channels.value, request.unit.code, r.code, r.name]
                for r in rows
            ]
            typer.echo(self._csv(scope, head, leads, rows))
            return
        typer.echo(self.title(scope))
        lines = [
            {"counter": r.name or self.vi(NO_COUNTER), "responses": r.responses}
            | tables.figure_cells(r, scope.formula, tables.NO_FIGURE)
            for r in rows
        ]
        columns = [
            ("counter", self.vi(COUNTER)),
            ("responses", self.vi(RESPONSES)),
            ("sipas", self.vi(SIPAS)),
            *((code, code) for code, _ in scope.formula.elements),
        ]
        print_rows(lines, columns, ListFormat.table)

    # -- by procedure field -----------------------------------------------------------------

    def fields(self, request: IndexSelection, scope: Scope, session: Session) -> None:
        found = index_by_field(
            session,
            request.period,
            unit=request.unit,
            channels=request.channels,
            national_name=scope.name,
        )
        if self.output is IndexFormat.json:
            print_json(self._scope_json(scope) | {"fields": fields_json(found)})
            return
        if self.output is IndexFormat.csv:
            pairs = tables.field_rows(found, self.parent_code)
            head = ["period", "channels", "field", "unit", "name", "level", "parent", "depth"]
            head.append("scope")
            leads = [self._field_head(scope, name, row) for name, row in pairs]
            typer.echo(self._csv(scope, head, leads, [row for _, row in pairs]))
            return
        typer.echo(self.title(scope))
        for item in found:
            typer.echo(self.vi(FIELD_TITLE, field=item.field or self.vi(NO_FIELD)))
            self._unit_table(scope.formula, tables.unit_rows(item.result, self.parent_code))

    def _field_head(self, scope: Scope, name: str, row: tables.FigureRow) -> list[Any]:
        lead = self._unit_head(scope, row)
        return [*lead[:2], name, *lead[2:]]

    def _scope_json(self, scope: Scope) -> dict[str, Any]:
        return {
            "period": scope.period_code,
            "unit": scope.unit_code,
            "name": scope.name,
            "channels": scope.channels.value,
        }


def _print(session: Session, request: IndexSelection, by: Breakdown, printer: Printer) -> None:
    if by is Breakdown.counter and request.unit is None:
        raise CountersNeedUnit()
    national_name = printer.vi(WHOLE_COUNTRY)
    if by is Breakdown.counter:
        printer.counters(request, request_scope(session, request, national_name), session)
    elif by is Breakdown.field:
        printer.fields(request, request_scope(session, request, national_name), session)
    else:
        result = compute_index(
            session,
            request.period,
            unit=request.unit,
            channels=request.channels,
            national_name=national_name,
        )
        printer.units(request, result)


def index_command(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="Period code, e.g. 2026."),
    unit: str | None = typer.Option(
        None, "--unit", help="A unit code: it and everything below it. Default: the whole country."
    ),
    channels: str = typer.Option(
        ChannelGroup.official.value, "--channels", help="official (the period's) or all."
    ),
    output: IndexFormat = typer.Option(
        IndexFormat.table, "--format", help="table for people, json or csv for scripts."
    ),
    by: Breakdown = typer.Option(
        Breakdown.unit, "--by", help="unit (the tree), counter (of --unit) or field (lĩnh vực)."
    ),
) -> None:
    """The SIPAS index computed by the methodology's formula, from the tallies."""
    with cli_context(ctx).transaction() as session:
        selection = select_index(session, period=period, unit=unit, channels=channels)
        parent = parent_of(session, selection.unit)
        printer = Printer(Catalogs("reports"), output, "" if parent is None else parent.code)
        _print(session, selection, by, printer)


def register(app: typer.Typer) -> None:
    app.command("index")(index_command)
