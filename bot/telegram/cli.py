"""`hailong telegram set-webhook` and `hailong telegram poll`.

aiogram is imported by these two commands only: building its Bot API models takes seconds, and
every other `hailong` command would pay for it at start.
"""

from __future__ import annotations

import asyncio

import typer

from hailong.cli_support import CliContext, cli_context, fail
from hailong.i18n import N_, Catalogs

NO_TOKEN = N_("HAILONG_TELEGRAM_TOKEN is not set.")
NO_SECRET = N_("HAILONG_SECRET_KEY is not set: Telegram user ids are hashed with it.")
REFUSED = N_("Telegram refused: {error}")
WEBHOOK_SET = N_("Webhook set: {url} (updates: {updates})")
POLLING = N_("Polling Telegram for updates; Ctrl+C stops.")


def _configured(ctx: typer.Context) -> CliContext:
    context = cli_context(ctx)
    if context.settings.telegram_token is None:
        raise fail(Catalogs("bot").both(NO_TOKEN))
    if context.settings.secret_key is None:
        raise fail(Catalogs("bot").both(NO_SECRET))
    return context


async def _set_webhook(context: CliContext, url: str, drop_pending: bool) -> None:
    from bot.telegram.factory import ALLOWED_UPDATES, create_bot, webhook_secret

    bot = create_bot(context.settings)
    try:
        await bot.set_webhook(
            url=url,
            secret_token=webhook_secret(context.settings),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
    finally:
        await bot.session.close()


async def _poll(context: CliContext) -> None:
    from bot.telegram.factory import ALLOWED_UPDATES, create_bot, create_dispatcher

    bot = create_bot(context.settings)
    dispatcher = create_dispatcher(context.settings, sessions=context.sessions)
    # getUpdates is refused while a webhook is set; the developer asked for polling.
    await bot.delete_webhook(drop_pending_updates=False)
    await dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES)


def register(app: typer.Typer) -> None:
    telegram_app = typer.Typer(no_args_is_help=True, help="The Telegram bot.")
    app.add_typer(telegram_app, name="telegram")

    @telegram_app.command("set-webhook")
    def set_webhook(
        ctx: typer.Context,
        url: str = typer.Option(
            "", help="Public https URL of the webhook (default: HAILONG_BASE_URL/webhook/telegram)."
        ),
        drop_pending: bool = typer.Option(False, help="Forget updates Telegram has queued."),
    ) -> None:
        """Register this service's webhook URL and secret with Telegram."""
        from bot.telegram.loading import load_aiogram

        load_aiogram()
        from aiogram.exceptions import TelegramAPIError

        from bot.telegram.factory import ALLOWED_UPDATES, WEBHOOK_PATH

        context = _configured(ctx)
        target = url or context.settings.link_base() + WEBHOOK_PATH
        catalogs = Catalogs("bot")
        try:
            asyncio.run(_set_webhook(context, target, drop_pending))
        except TelegramAPIError as error:
            raise fail(catalogs.both(REFUSED, error=error)) from None
        typer.echo(catalogs.both(WEBHOOK_SET, url=target, updates=", ".join(ALLOWED_UPDATES)))

    @telegram_app.command("poll")
    def poll(ctx: typer.Context) -> None:
        """Answer the bot by long polling (for a developer without a public URL)."""
        from bot.telegram.loading import load_aiogram

        load_aiogram()
        from aiogram.exceptions import TelegramAPIError

        context = _configured(ctx)
        catalogs = Catalogs("bot")
        typer.echo(catalogs.both(POLLING))
        try:
            asyncio.run(_poll(context))
        except TelegramAPIError as error:
            raise fail(catalogs.both(REFUSED, error=error)) from None
