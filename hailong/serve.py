"""`hailong serve`: the production entry point, one or more uvicorn workers behind a proxy.

Each worker process builds its own app from the environment through `hailong.asgi:app_factory`,
so the settings checked here are the ones every worker will read.
"""

from __future__ import annotations

import typer

from hailong.cli_support import cli_context, say_where_the_database_is
from hailong.errors import HailongError
from hailong.i18n import N_
from hailong.settings import NoSecret

APP_FACTORY = "hailong.asgi:app_factory"


class TrustsEveryProxy(HailongError):
    message = N_(
        "Trusting every address as a proxy lets a client choose its own address: list the "
        "proxy's addresses or network in HAILONG_TRUSTED_PROXIES instead of *."
    )


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: str = typer.Option(
            "127.0.0.1", help="Address to listen on (0.0.0.0 in a container)."
        ),
        port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
        workers: int = typer.Option(1, min=1, help="Worker processes."),
        forwarded_allow_ips: str | None = typer.Option(
            None,
            help="Proxies whose X-Forwarded-* headers are trusted: addresses or networks, "
            "comma-separated (default: HAILONG_TRUSTED_PROXIES).",
        ),
    ) -> None:
        """Serve the web form and webhooks (run `hailong db upgrade` first)."""
        import uvicorn

        from hailong.app import create_app

        context = cli_context(ctx)
        settings = context.settings
        if settings.secret_key is None or not settings.secret_key.get_secret_value():
            # Cookies and chat-id hashes are keyed by the secret; a random one per process
            # would break every cookie between workers and across restarts.
            raise NoSecret()
        proxies = forwarded_allow_ips or settings.trusted_proxies
        if "*" in (p.strip() for p in proxies.split(",")):
            # uvicorn would then take the left-most X-Forwarded-For, which the client writes:
            # anyone could choose the address that rate limits count.
            raise TrustsEveryProxy()
        # A missing SQLite file is refused rather than created empty by the first request.
        context.existing_database()
        say_where_the_database_is(settings)
        # Build the app once here so a broken configuration stops the command at once,
        # instead of uvicorn's supervisor restarting workers that die on start.
        create_app(settings).state.context.engine.dispose()
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # Behind the proxy, the client's address and https come from its headers, believed
            # only from the proxies listed; the address is the last one they did not add.
            proxy_headers=True,
            forwarded_allow_ips=proxies,
            server_header=False,
        )
