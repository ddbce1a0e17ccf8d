"""`lakehouse generate`: write a raw drop in the raw zone's format, with the outcome a run must report.

The drop is DIR/products/products.csv, DIR/orders/<date>.csv and DIR/order_items/<date>.csv with
the sample's headers, column order and value formats (LF endings, `YYYY-MM-DDTHH:MM:SS`, amounts
with two decimals). The same arguments always give the same bytes: one `random.Random(seed)` draws
the clean data and a second stream (see lakehouse.generate.defects) the defects, so a seed's clean data does
not depend on `--defects`. DIR/_manifest.json holds what one `lakehouse run` of DIR on an empty
warehouse must report; it is computed by reading back the files just written and classifying every
row against the contract (`expected_outcome`, in lakehouse.generate.expected), not from what the injector
meant to do.
"""

from __future__ import annotations

import argparse
import json
import random
from array import array
from bisect import bisect_right
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from lakehouse.generate.defects import Injector

# check_field and ROW_REASONS are re-exported: `from lakehouse.generate.drop import ...` keeps working.
from lakehouse.generate.expected import ROW_REASONS as ROW_REASONS
from lakehouse.generate.expected import check_field as check_field
from lakehouse.generate.expected import expected_outcome
from shared import contract as c

DEFAULTS = {
    "orders": 7500,
    "days": 15,
    "seed": 42,
    "defects": 0.0,
    "start_date": "2025-04-01",
    "products": 1000,
}
DEPARTMENTS = (
    "Automotive Beauty Books Clothing Electronics Garden Grocery Health Home Music Sports Toys".split()
)
WORDS = """Apex Bright Cedar Classic Compact Delta Echo Field Fresh Glow Harbor Iron Jade Kite Lunar Maple
Metro Nova Oak Orbit Pixel Prime Quartz River Sage Solar Spark Stone Swift Terra Trail Ultra Urban Vivid
Wave Wild Zen Zephyr""".split()
FIRST_ORDER_ID, FIRST_USER_ID, MAX_ITEMS, MAX_ORDER_NUM = 10000, 1001, 10, 100
MIN_CENTS, MAX_CENTS = 2000, 50000  # total_amount in [20.00, 500.00)
MANIFEST = "_manifest.json"
_MINUTES = [f"{h:02d}:{m:02d}:00" for h in range(24) for m in range(60)]
_FLUSH = 1 << 16  # lines buffered before a write


def generate(out, *, late_orders_out=None, **options) -> dict:
    """Write the drop into `out` (new or empty) and return its manifest; options as DEFAULTS."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown options: {sorted(unknown)}")
    args = {**DEFAULTS, **options}
    orders, days, products, defects = args["orders"], args["days"], args["products"], args["defects"]
    if orders < 0 or days < 1 or products < 1 or not 0 <= defects <= 1:
        raise ValueError("need orders >= 0, days >= 1, products >= 1 and 0 <= defects <= 1")
    start = date.fromisoformat(str(args["start_date"]))
    args["start_date"] = start.isoformat()
    root, late_root = Path(out), Path(late_orders_out) if late_orders_out else None
    for target in (root, late_root) if late_root else (root,):
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise FileExistsError(f"{target} exists and is not an empty directory")
    if late_root and (
        late_root.resolve().is_relative_to(root.resolve())
        or root.resolve().is_relative_to(late_root.resolve())
    ):
        raise ValueError("--late-orders-out and --out must not contain one another")
    rng, sizes, injector = plan_drop(args["seed"], orders, defects, products)
    for ds in c.DATASETS:
        (root / ds).mkdir(parents=True, exist_ok=True)
    first = {c.PRODUCTS: _write_products(root, rng, products, injector)}
    first[c.ORDERS], first[c.ORDER_ITEMS] = _write_days(root, rng, start, days, sizes, products, injector)
    if defects > 0:
        for ds, path in first.items():
            injector.write_extras(root, ds, path)
    late = _header(c.ORDERS) + "".join(injector.late)
    if late_root:
        (late_root / c.ORDERS).mkdir(parents=True)
        (late_root / c.ORDERS / f"{start + timedelta(days=days)}.csv").write_bytes(late.encode("utf-8"))
    manifest = {"seed": args["seed"], "args": args, **expected_outcome(root, late)}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def plan_drop(seed: int, orders: int, defects: float, products: int) -> tuple[random.Random, bytes, Injector]:
    """The data stream once the items per order are drawn, those counts, and the defect plan."""
    rng = random.Random(seed)
    sizes = bytes(1 + int(rng.random() * MAX_ITEMS) for _ in range(orders))
    ends = array("q", accumulate(sizes))
    rows = {c.PRODUCTS: products, c.ORDERS: orders, c.ORDER_ITEMS: ends[-1] if orders else 0}
    order_of_item = lambda i: bisect_right(ends, i)  # noqa: E731
    return rng, sizes, Injector(random.Random(f"{seed}:defects"), defects, rows, products, order_of_item)


def _header(ds: str) -> str:
    return ",".join(c.FIELD_NAMES[ds]) + "\n"


def _write_products(root: Path, rng: random.Random, count: int, injector: Injector) -> Path:
    # department_id and department are drawn separately: as in the sample, one does not fix the other.
    rnd, plan, n_dep = rng.random, injector.plans[c.PRODUCTS], len(DEPARTMENTS)
    injector.start_file(c.PRODUCTS)
    lines = [_header(c.PRODUCTS)]
    for index in range(count):
        pid = index + 1
        department_id, department = 1 + int(rnd() * n_dep), DEPARTMENTS[int(rnd() * n_dep)]
        line = f"{pid},{department_id},{department},Product_{pid}_{WORDS[int(rnd() * len(WORDS))]}\n"
        lines.extend(injector.rows(c.PRODUCTS, index, line) if index in plan else (line,))
    lines.extend(injector.end_file(c.PRODUCTS))
    path = root / c.PRODUCTS / f"{c.PRODUCTS}.csv"
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


def _write_days(root, rng, start, days, sizes, products, injector) -> tuple[Path, Path]:
    """One orders and one order items file per day, streamed; ids increase across days."""
    rnd, oplan, iplan = rng.random, injector.plans[c.ORDERS], injector.plans[c.ORDER_ITEMS]
    users = max(8999, len(sizes))  # user ids 1001..9999 at the sample's size
    order_index = item_index = 0
    paths = []
    for d in range(days):
        day = (start + timedelta(days=d)).isoformat()
        paths.append((root / c.ORDERS / f"{day}.csv", root / c.ORDER_ITEMS / f"{day}.csv"))
        injector.start_file(c.ORDERS)
        injector.start_file(c.ORDER_ITEMS)
        with (
            paths[-1][0].open("w", encoding="utf-8", newline="") as ofile,
            paths[-1][1].open("w", encoding="utf-8", newline="") as ifile,
        ):
            olines, ilines = [_header(c.ORDERS)], [_header(c.ORDER_ITEMS)]
            for _ in range(len(sizes) // days + (d < len(sizes) % days)):
                oid, user = FIRST_ORDER_ID + order_index, FIRST_USER_ID + int(rnd() * users)
                num, ts = 1 + int(rnd() * MAX_ORDER_NUM), f"{day}T{_MINUTES[int(rnd() * 1440)]}"
                cents = MIN_CENTS + int(rnd() * (MAX_CENTS - MIN_CENTS))
                line = f"{num},{oid},{user},{ts},{cents // 100}.{cents % 100:02d},{day}\n"
                olines.extend(injector.rows(c.ORDERS, order_index, line) if order_index in oplan else (line,))
                head, tail = f",{oid},{user},", f",{ts},{day}\n"
                for cart in range(1, sizes[order_index] + 1):
                    prior = "" if num == 1 else int(rnd() * 31)  # empty for a user's first order
                    product, reordered = 1 + int(rnd() * products), int(rnd() * 2)
                    line = f"{item_index + 1}{head}{prior},{product},{cart},{reordered}{tail}"
                    ilines.extend(
                        injector.rows(c.ORDER_ITEMS, item_index, line) if item_index in iplan else (line,)
                    )
                    item_index += 1
                order_index += 1
                if len(ilines) > _FLUSH:
                    ifile.write("".join(ilines))
                    ilines.clear()
            ofile.write("".join(olines + injector.end_file(c.ORDERS)))
            ifile.write("".join(ilines + injector.end_file(c.ORDER_ITEMS)))
    return paths[0]


# ---- Command line ---------------------------------------------------------------------------------------


def _at_least(low: int):
    def parse(text: str) -> int:
        if int(text) < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}")
        return int(text)

    return parse


def _rate(text: str) -> float:
    if not 0 <= float(text) <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return float(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    arg = parser.add_argument
    arg("--out", required=True, type=Path, help="new or empty directory for the drop")
    arg("--orders", type=_at_least(0), default=DEFAULTS["orders"], help="orders (default %(default)s)")
    arg(
        "--days",
        type=_at_least(1),
        default=DEFAULTS["days"],
        help="days, one file each (default %(default)s)",
    )
    arg("--seed", type=int, default=DEFAULTS["seed"], help="random seed (default %(default)s)")
    arg(
        "--defects",
        type=_rate,
        default=DEFAULTS["defects"],
        help="share of rows with a defect, 0..1 (default 0)",
    )
    arg("--start-date", type=date.fromisoformat, default=DEFAULTS["start_date"], help="first day, YYYY-MM-DD")
    arg("--products", type=_at_least(1), default=DEFAULTS["products"], help="products (default %(default)s)")
    arg("--late-orders-out", type=Path, help="directory for a second drop: the orders held back from --out")


def run(args: argparse.Namespace) -> dict:
    """Generate the drop `args` describe (see add_arguments); returns its manifest."""
    options = {name: getattr(args, name) for name in DEFAULTS}
    return generate(args.out, late_orders_out=args.late_orders_out, **options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lakehouse generate", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        manifest = run(args)
    except (ValueError, FileExistsError) as error:
        parser.error(str(error))
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
