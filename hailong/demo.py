"""`hailong demo` and `hailong seed-demo`: a newcomer scans and answers within a minute.

`ensure_secret` is the bootstrap `hailong serve` can reuse: without HAILONG_SECRET_KEY, a random
secret is made once and kept in a file beside the SQLite database, so cookies survive a restart.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import typer
from pydantic import SecretStr
from sqlalchemy import Table, and_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hailong import demo_data, migrate
from hailong.cli_support import cli_context, say_where_the_database_is
from hailong.counters.service import add_counter, survey_url
from hailong.db import make_engine, make_sessionmaker, normalise_url, unit_of_work
from hailong.i18n import N_, Catalogs
from hailong.models import (
    Base,
    Channel,
    Counter,
    CounterToken,
    Procedure,
    TokenState,
    Unit,
    UnitLevel,
)
from hailong.periods.service import add_period, today_in_vietnam
from hailong.settings import Environment, Settings
from hailong.units.importing import UnitRow, store_units
from hailong.units.official import commune_code, province_code, province_name

SECRET_FILE = "hailong-secret.key"

SEEDED = N_(
    "Demo data stored: {units} units ({inactive} kept for history only), {counters} counters, "
    "{procedures} procedures, period {period}."
)
LEFT_ALONE = N_("The database already holds data; the demo data was not added.")
DEMO_COUNTER = N_("Demo counter: {counter}, {unit}")
SURVEY_URL = N_("Survey URL")
SHORT_CODE = N_("Short code")
NO_COUNTER = N_("There is no active counter yet; add one with `hailong counters add`.")
SERVING = N_("Serving on http://{host}:{port} (Ctrl+C to stop).")


# --- the secret ---------------------------------------------------------------------------


def secret_path(settings: Settings) -> Path:
    """Beside the SQLite database file; in the working directory for any other database."""
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / SECRET_FILE
    return Path.cwd() / SECRET_FILE


def _read_or_create_secret(path: Path) -> str:
    """The secret in `path`, made once; two processes starting together get the same one."""
    if path.exists() and (existing := path.read_text(encoding="ascii").strip()):
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a temporary name, then linked into place: a reader never sees a
    # half-written file, and link() fails if another process got there first.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".hailong-secret-")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text(encoding="ascii").strip()


def ensure_secret(settings: Settings) -> Settings:
    """The settings with a secret: HAILONG_SECRET_KEY if set, else the demo's kept one."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings
    secret = _read_or_create_secret(secret_path(settings))
    return settings.model_copy(update={"secret_key": SecretStr(secret)})


def demo_settings(settings: Settings, *, host: str, port: int) -> Settings:
    """Demo environment, a kept secret, and a base URL where this server really answers."""
    update: dict[str, object] = {"environment": Environment.demo}
    if "base_url" not in settings.model_fields_set:
        shown = f"[{host}]" if ":" in host else host
        update["base_url"] = f"http://{shown}:{port}"
    return ensure_secret(settings.model_copy(update=update))


# --- the data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedSummary:
    units: int
    inactive: int
    counters: int
    procedures: int
    period: str


def is_empty(session: Session) -> bool:
    """True when no table of ours holds a row (Alembic's own table is not one of them)."""
    return not any(_has_rows(session, table) for table in Base.metadata.sorted_tables)


def _has_rows(session: Session, table: Table) -> bool:
    return session.execute(select(1).select_from(table).limit(1)).first() is not None


def demo_unit_rows() -> list[UnitRow]:
    """Hải Phòng and its chosen communes from the official list, then old Quận Hải An."""
    from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

    province = Province.from_code(ProvinceCode(int(demo_data.PROVINCE_CODE)))
    rows = [UnitRow(0, demo_data.PROVINCE_CODE, province_name(province), UnitLevel.province, None)]
    for code in demo_data.COMMUNE_CODES:
        ward = Ward.from_code(WardCode(int(code)))
        parent = province_code(int(ward.province_code))
        rows.append(UnitRow(0, commune_code(int(ward.code)), ward.name, UnitLevel.commune, parent))
    district = demo_data.OLD_DISTRICT_CODE
    rows.append(
        UnitRow(
            0, district, demo_data.OLD_DISTRICT_NAME, UnitLevel.district, demo_data.PROVINCE_CODE
        )
    )
    rows.extend(
        UnitRow(0, demo_data.old_ward_code(code), name, UnitLevel.commune, district)
        for code, name in demo_data.OLD_WARDS
    )
    return rows


def seed_demo(session: Session, *, today: date) -> SeedSummary:
    """Store the demo data; the caller makes sure the database was empty."""
    rows = demo_unit_rows()
    store_units(session, rows, {row.code: row.parent_code for row in rows})
    units = {u.code: u for u in session.scalars(select(Unit))}
    old = {
        demo_data.OLD_DISTRICT_CODE,
        *(demo_data.old_ward_code(c) for c, _ in demo_data.OLD_WARDS),
    }
    counters = 0
    for code, unit in units.items():
        if code in old:
            # Pre-2025 units stay for history and take no new surveys.
            unit.active = False
            continue
        for number in range(1, demo_data.COUNTERS.get(code, demo_data.DEFAULT_COUNTERS) + 1):
            add_counter(session, unit=unit, name=demo_data.COUNTER_NAME.format(number=number))
            counters += 1
    session.add_all(
        Procedure(code=p.code, name=p.name, field=p.field, all_units=True)
        for p in demo_data.PROCEDURES
    )
    period = add_period(
        session,
        code=str(today.year),
        start=date(today.year, 1, 1),
        end=date(today.year, 12, 31),
        questionnaire=demo_data.QUESTIONNAIRE,
        quota=demo_data.QUOTA,
        official=[channel.value for channel in Channel],
    )
    session.flush()
    return SeedSummary(
        units=len(units),
        inactive=len(old),
        counters=counters,
        procedures=len(demo_data.PROCEDURES),
        period=period.code,
    )


def seed_if_empty(sessions: sessionmaker[Session], *, today: date) -> SeedSummary | None:
    """Seed an empty database; None (and nothing touched) if it already holds data."""
    try:
        with unit_of_work(sessions) as session:
            # On SQLite the transaction holds the write lock from its start, so a second
            # `hailong demo` starting at the same moment waits here and then finds data.
            if not is_empty(session):
                return None
            return seed_demo(session, today=today)
    except IntegrityError:
        # Another process seeded the same empty PostgreSQL database first.
        return None


@dataclass(frozen=True)
class DemoCounter:
    unit_name: str
    counter_name: str
    short_code: str
    survey_url: str


def demo_counter(session: Session, *, base_url: str) -> DemoCounter | None:
    """Phường Hải An's first counter, or else the first active counter anywhere."""
    query = (
        select(Unit.name, Counter.name, CounterToken.token, CounterToken.short_code)
        .join(Unit, Counter.unit_id == Unit.id)
        .join(
            CounterToken,
            and_(CounterToken.counter_id == Counter.id, CounterToken.state == TokenState.active),
        )
        .where(Counter.active.is_(True), Unit.active.is_(True))
        .order_by((Unit.code != demo_data.DEMO_UNIT_CODE), Counter.id)
        .limit(1)
    )
    found = session.execute(query).first()
    if found is None:
        return None
    unit_name, counter_name, token, short_code = found
    return DemoCounter(unit_name, counter_name, short_code, survey_url(base_url, token))


# --- the commands -------------------------------------------------------------------------


def prepare(settings: Settings, catalogs: Catalogs) -> DemoCounter | None:
    """Migrate, seed if empty, and say which counter to scan."""
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessionmaker(engine)
        summary = seed_if_empty(sessions, today=today_in_vietnam())
        report_seed(catalogs, summary)
        with sessions() as session:
            return demo_counter(session, base_url=settings.public_base_url)
    finally:
        engine.dispose()


def report_seed(catalogs: Catalogs, summary: SeedSummary | None) -> None:
    if summary is None:
        typer.echo(catalogs.both(LEFT_ALONE))
    else:
        typer.echo(catalogs.both(SEEDED, **summary.__dict__))


def print_counter(catalogs: Catalogs, counter: DemoCounter | None) -> None:
    if counter is None:
        typer.echo(catalogs.both(NO_COUNTER))
        return
    typer.echo(catalogs.both(DEMO_COUNTER, counter=counter.counter_name, unit=counter.unit_name))
    typer.echo(f"{catalogs.both(SURVEY_URL)}: {counter.survey_url}")
    typer.echo(f"{catalogs.both(SHORT_CODE)}: {counter.short_code}")


def register(app: typer.Typer) -> None:
    app.command("seed-demo")(seed_demo_command)
    app.command("demo")(demo_command)


def seed_demo_command(ctx: typer.Context) -> None:
    """Migrate the database and fill it with demo data, if it is empty."""
    settings = cli_context(ctx).settings
    catalogs = Catalogs("admin")
    say_where_the_database_is(settings)
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        report_seed(catalogs, seed_if_empty(make_sessionmaker(engine), today=today_in_vietnam()))
    finally:
        engine.dispose()


def demo_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve a demo: migrate, seed an empty database, print a counter's survey URL."""
    import uvicorn

    from hailong.app import create_app
    from hailong.outbox.cli import delivery_printer
    from hailong.outbox.running import background_worker

    catalogs = Catalogs("admin")
    settings = demo_settings(cli_context(ctx).settings, host=host, port=port)
    say_where_the_database_is(settings)
    print_counter(catalogs, prepare(settings, catalogs))
    typer.echo(catalogs.both(SERVING, host=host, port=port))
    # The outbox worker runs in this process too, so messages go out without a second command.
    printer = delivery_printer(Catalogs("outbox"), max_attempts=settings.outbox_max_attempts)
    with sigterm_unwinds(), background_worker(settings, observe=printer):
        uvicorn.run(create_app(settings), host=host, port=port)


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """uvicorn shuts down on SIGTERM and then raises the signal again; by default that ends
    the process at once. As an exception instead, the blocks around the server (the worker)
    stop cleanly on the way out."""

    def leave(_signal: int, _frame: object) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
