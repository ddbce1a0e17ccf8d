"""The project's SQL names tables by layer (`silver.orders`); in the Glue catalog the databases are
per environment (`dev_silver`). The deploy rewrites the layer names of the SQL it ships to Athena
with sqlglot (names in table position only: a column or string that says `silver` is untouched)."""

from __future__ import annotations

from sqlglot import exp, parse_one

from shared.catalog import database_name
from shared.contract import BRONZE, GOLD, SILVER

LAYERS = (BRONZE, SILVER, GOLD)


def qualify_databases(sql: str, env: str) -> str:
    tree = parse_one(sql, read="athena")
    for table in tree.find_all(exp.Table):
        if table.db.lower() in LAYERS and not table.catalog:
            table.set("db", exp.to_identifier(database_name(env, table.db.lower())))
    return tree.sql(dialect="athena", pretty=True) + "\n"
