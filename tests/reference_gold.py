"""Gold of the reference oracle (README "What it does", step 3: the daily aggregates), recomputed
in full from the oracle's silver state."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def _rate(reordered: int, items: int) -> float | None:
    """Share reordered as a float, rounded half-up to 4 places (None without items)."""
    if not items:
        return None
    return float((Decimal(reordered) / Decimal(items)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def daily_sales(orders: dict[int, dict], items: dict[int, dict]) -> list[dict]:
    """One row per date present in silver orders, sorted by date."""
    by_date: dict[dt.date, list[dict]] = {}
    for o in orders.values():
        by_date.setdefault(o["date"], []).append(o)
    items_by_date: dict[dt.date, list[int]] = {}
    for i in items.values():
        items_by_date.setdefault(i["date"], []).append(i["reordered"])
    out = []
    for day in sorted(by_date):
        day_orders = by_date[day]
        revenue = sum((o["total_amount"] for o in day_orders), Decimal(0)).quantize(CENT)
        flags = items_by_date.get(day, [])
        out.append(
            {
                "date": day,
                "orders": len(day_orders),
                "revenue": revenue,
                "customers": len({o["user_id"] for o in day_orders}),
                "avg_order_value": (revenue / len(day_orders)).quantize(CENT, rounding=ROUND_HALF_UP),
                "items": len(flags),
                "reorder_rate": _rate(sum(flags), len(flags)),
            }
        )
    return out


def department_daily_sales(items: dict[int, dict], products: dict[int, dict]) -> list[dict]:
    """One row per (item date, department name of the item's product in silver), sorted."""
    groups: dict[tuple[dt.date, str], list[dict]] = {}
    for i in items.values():
        product = products.get(i["product_id"])
        if product is not None:  # an admitted item always has its product; guard anyway
            groups.setdefault((i["date"], product["department"]), []).append(i)
    return [
        {
            "date": day,
            "department": department,
            "items": len(rows),
            "orders": len({r["order_id"] for r in rows}),
            "reorder_rate": _rate(sum(r["reordered"] for r in rows), len(rows)),
        }
        for (day, department), rows in sorted(groups.items())
    ]
