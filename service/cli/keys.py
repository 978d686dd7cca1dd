"""`adaptmt keys`: API keys, each belonging to a tenant."""

from typing import Annotated

import typer

from service.cli.common import run

app = typer.Typer(help="API keys: each belongs to a tenant and sees only its data.")


@app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="The tenant the key belongs to.")],
    name: Annotated[str, typer.Option(help="A label, e.g. who uses the key.")] = "",
) -> None:
    """Create an API key and print it (shown once; only its hash is stored)."""
    key, secret = run(lambda store: store.create_key(tenant, name=name))
    typer.echo(secret)
    typer.echo(f"key {key.id} for tenant {key.tenant!r}; keep it secret", err=True)


@app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
) -> None:
    """List keys: id, tenant, prefix, name, last used."""
    for key in run(lambda store: store.list_keys(tenant=tenant)):
        used = key.last_used_at.isoformat() if key.last_used_at else "never"
        typer.echo(f"{key.id}\t{key.tenant}\t{key.prefix}...\t{key.name}\t{used}")


@app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key: requests with it are refused at once."""
    run(lambda store: store.revoke_key(key_id))
