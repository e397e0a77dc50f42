"""`hailong worker` sends the outbox; `hailong outbox` counts it, lists failures, queues again.

What the worker prints names messages by id, channel and kind, with the attempt and the
error's status: never a recipient or a message's content.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import typer

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_rows
from hailong.cli_support import CliContext, cli_context, fail
from hailong.i18n import N_, Catalogs
from hailong.models import OutboxState
from hailong.outbox import service
from hailong.outbox.running import run_worker
from hailong.outbox.worker import Delivery, Result, Totals, worker_name

STARTED = N_("Worker {name} started: {concurrency} messages at a time, through {channels}.")
NO_SENDER = N_(
    "No channel has a sender configured: the worker sends nothing, and messages wait in the "
    "outbox until a worker that has their channel's sender takes them."
)
SENT = N_("Message {id} ({channel}, {kind}): sent at attempt {attempt} in {ms} ms.")
RETRY = N_(
    "Message {id} ({channel}, {kind}): attempt {attempt} of {limit} failed ({error}); "
    "next try in {seconds} s."
)
FAILED = N_("Message {id} ({channel}, {kind}): failed for good at attempt {attempt} ({error}).")
RELEASED = N_("Message {id} ({channel}, {kind}): handed back unsent, the worker is stopping.")
LOST = N_(
    "Message {id} ({channel}, {kind}): its lease ran out before the outcome was recorded; "
    "another worker has taken it."
)
DATABASE_TROUBLE = N_("The database did not answer ({kind}); trying again in {seconds} s.")
STOPPING = N_(
    "Stopping after the messages being sent (press Ctrl+C again to hand them back at once)."
)
STOPPED = N_("Worker stopped: {sent} sent, {retried} to try again, {failed} failed.")

EMPTY = N_("The outbox is empty.")
CHANNEL = N_("Channel")
PENDING = N_("Waiting")
SENDING = N_("Being sent")
SENT_COLUMN = N_("Sent")
FAILED_COLUMN = N_("Failed")
LONGEST_WAIT = N_("Longest wait (s)")
ID = N_("Id")
KIND = N_("Kind")
ATTEMPTS = N_("Attempts")
FAILED_AT = N_("Failed at")
LAST_ERROR = N_("Last error")
CAN_RETRY = N_("Can be sent again")
NO_FAILED = N_("No message has failed.")

CHOOSE = N_("Name the messages with --id, or choose --failed.")
REQUEUED = N_("{count} messages queued again.")
ERASED_ONE = N_(
    "Message {id} cannot be sent again: its recipient was erased when it failed "
    "(HAILONG_OUTBOX_KEEP_FAILED_HOURS keeps it for a while)."
)
ERASED_MANY = N_(
    "{count} failed messages cannot be sent again: their recipient was erased when they failed "
    "(HAILONG_OUTBOX_KEEP_FAILED_HOURS keeps it for a while)."
)
ALREADY_SENT = N_("Message {id} was sent already: not queued again.")
BEING_SENT = N_("Message {id} is being sent right now: not queued again.")
UNKNOWN = N_("There is no message {id} in the outbox.")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_command)
    outbox_app = typer.Typer(
        help="The outbox: messages waiting to be sent, sent and failed, by channel.",
        invoke_without_command=True,
    )
    app.add_typer(outbox_app, name="outbox")
    outbox_app.callback()(counts_command)
    outbox_app.command("failed")(failed_command)
    outbox_app.command("retry")(retry_command)


# --- hailong worker ---------------------------------------------------------------------------


def delivery_printer(catalogs: Catalogs, *, max_attempts: int) -> Callable[[Delivery], None]:
    """One line per outcome, on stdout."""

    def show(delivery: Delivery) -> None:
        names = {"id": delivery.message_id, "channel": delivery.channel, "kind": delivery.kind}
        if delivery.result is Result.sent:
            ms = round(delivery.seconds * 1000)
            line = catalogs.both(SENT, attempt=delivery.attempt, ms=ms, **names)
        elif delivery.result is Result.retry:
            line = catalogs.both(
                RETRY,
                attempt=delivery.attempt,
                limit=max_attempts,
                error=delivery.error,
                seconds=f"{delivery.retry_in or 0:.1f}",
                **names,
            )
        elif delivery.result is Result.failed:
            line = catalogs.both(FAILED, attempt=delivery.attempt, error=delivery.error, **names)
        elif delivery.result is Result.released:
            line = catalogs.both(RELEASED, **names)
        else:
            line = catalogs.both(LOST, **names)
        typer.echo(line)

    return show


def trouble_printer(catalogs: Catalogs) -> Callable[[str, float], None]:
    def show(kind: str, seconds: float) -> None:
        typer.echo(catalogs.both(DATABASE_TROUBLE, kind=kind, seconds=f"{seconds:.1f}"), err=True)

    return show


def worker_command(
    ctx: typer.Context,
    once: bool = typer.Option(
        False, "--once", help="Send what is due now, then stop (for cron or a test)."
    ),
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Messages sent at a time."),
) -> None:
    """Send the outbox: claim due messages, send each through its channel, retry with backoff.

    SIGTERM or Ctrl+C lets the sends in flight finish; a second Ctrl+C hands them back.
    """
    context = cli_context(ctx)
    catalogs = Catalogs("outbox")
    totals = asyncio.run(_work(context, catalogs, once=once, concurrency=concurrency))
    typer.echo(catalogs.both(STOPPED, **totals.__dict__))


async def _work(context: CliContext, catalogs: Catalogs, *, once: bool, concurrency: int) -> Totals:
    settings = context.settings
    stop, hurry = asyncio.Event(), asyncio.Event()
    _on_signals(catalogs, stop, hurry)

    def announce(channels: list[str]) -> None:
        if not channels:
            typer.echo(catalogs.both(NO_SENDER), err=True)
            return
        listed = ", ".join(channels)
        typer.echo(
            catalogs.both(STARTED, name=worker_name(), concurrency=concurrency, channels=listed)
        )

    return await run_worker(
        settings,
        context.sessions,
        stop,
        concurrency=concurrency,
        once=once,
        observe=delivery_printer(catalogs, max_attempts=settings.outbox_max_attempts),
        on_trouble=trouble_printer(catalogs),
        hurry=hurry,
        on_start=announce,
    )


def _on_signals(catalogs: Catalogs, stop: asyncio.Event, hurry: asyncio.Event) -> None:
    def first_then_second() -> None:
        if stop.is_set():
            hurry.set()
            return
        typer.echo(catalogs.both(STOPPING), err=True)
        stop.set()

    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, first_then_second)


# --- hailong outbox ---------------------------------------------------------------------------


def counts_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """Messages by channel: waiting, being sent, sent, failed, and the longest wait."""
    if ctx.invoked_subcommand is not None:
        return
    catalogs = Catalogs("outbox")
    with cli_context(ctx).transaction() as session:
        rows = [entry.as_row() for entry in service.counts(session)]
    if not rows and output is OutputFormat.table:
        typer.echo(catalogs.both(EMPTY))
        return
    columns = [
        ("channel", catalogs.both(CHANNEL)),
        ("pending", catalogs.both(PENDING)),
        ("sending", catalogs.both(SENDING)),
        ("sent", catalogs.both(SENT_COLUMN)),
        ("failed", catalogs.both(FAILED_COLUMN)),
        ("longest_wait", catalogs.both(LONGEST_WAIT)),
    ]
    print_rows(rows, columns, output)


def failed_command(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, "--channel", help="Only this channel."),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, newest first."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Failed messages with their last error (never their recipient), newest first."""
    catalogs = Catalogs("outbox")
    with cli_context(ctx).transaction() as session:
        found = service.failed_messages(session, channel=channel, limit=limit)
    if not found and output is OutputFormat.table:
        typer.echo(catalogs.both(NO_FAILED))
        return
    columns = [
        ("id", catalogs.both(ID)),
        ("channel", catalogs.both(CHANNEL)),
        ("kind", catalogs.both(KIND)),
        ("attempts", catalogs.both(ATTEMPTS)),
        ("finished_at", catalogs.both(FAILED_AT)),
        ("last_error", catalogs.both(LAST_ERROR)),
        ("can_retry", catalogs.both(CAN_RETRY)),
    ]
    print_rows([message.__dict__ for message in found], columns, output)


def retry_command(
    ctx: typer.Context,
    ids: list[int] = typer.Option([], "--id", help="A message's id (repeat for several)."),
    failed: bool = typer.Option(False, "--failed", help="Every failed message."),
    channel: str | None = typer.Option(None, "--channel", help="With --failed: only this one."),
) -> None:
    """Queue messages again: failed ones from their first attempt, waiting ones at once."""
    catalogs = Catalogs("outbox")
    if not ids and not failed:
        raise fail(catalogs.both(CHOOSE))
    with cli_context(ctx).transaction() as session:
        if failed:
            bulk = service.requeue_failed(session, channel=channel)
            typer.echo(catalogs.both(REQUEUED, count=bulk.requeued))
            if bulk.erased:
                typer.echo(catalogs.both(ERASED_MANY, count=bulk.erased), err=True)
        if ids:
            named = service.requeue(session, ids)
            _report_requeued(catalogs, named)
    if ids and (named.unknown or named.erased or named.left_alone):
        raise typer.Exit(1)


def _report_requeued(catalogs: Catalogs, named: service.Requeued) -> None:
    typer.echo(catalogs.both(REQUEUED, count=len(named.requeued)))
    for message_id in named.unknown:
        typer.echo(catalogs.both(UNKNOWN, id=message_id), err=True)
    for message_id in named.erased:
        typer.echo(catalogs.both(ERASED_ONE, id=message_id), err=True)
    for message_id, state in named.left_alone:
        said = ALREADY_SENT if state == OutboxState.sent else BEING_SENT
        typer.echo(catalogs.both(said, id=message_id), err=True)
