import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import persistence.models
import persistence.models_campagne  # noqa: F401

config = context.config
cible = SQLModel.metadata


def _executer(connexion) -> None:
    context.configure(
        connection=connexion,
        target_metadata=cible,
        render_as_batch=connexion.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _en_ligne() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url manquant dans la configuration d'Alembic")
    moteur = create_async_engine(url)
    async with moteur.connect() as connexion:
        await connexion.run_sync(_executer)
    await moteur.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=cible, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_en_ligne())
