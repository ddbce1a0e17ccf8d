"""`lakehouse generate`: write a raw drop in the course-data format, with the outcome a run must report.

The drop is DIR/products/products.csv, DIR/orders/<date>.csv and DIR/order_items/<date>.csv with
the sample's headers, column order and value formats (LF endings, `YYYY-MM-DDTHH:MM:SS`, amounts
with two decimals). The same arguments always give the same bytes: one `random.Random(seed)` draws
the clean data and a second stream (see generate_defects) the defects, so a seed's clean data does
not depend on `--defects`. DIR/_manifest.json holds what one `lakehouse run` of DIR on an empty
warehouse must report; it is computed by reading back the files just written and classifying every
row against the contract (`expected_outcome`), not from what the injector meant to do.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
from array import array
from bisect import bisect_right
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from shared import contract as c
from shared.generate_defects import ORDER_FK, PRODUCT_FK, USER_FK, Injector

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
ROW_REASONS = (c.MALFORMED_ROW, c.NULL_KEY, c.MISSING_VALUE, c.BAD_TYPE, c.BAD_TIMESTAMP, c.OUT_OF_RANGE)
ROW_REASONS += (c.DATE_MISMATCH, c.USER_MISMATCH)
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


# ---- The expected outcome: the contract applied to the bytes on disk ----------------------------------

_INT = re.compile(r"[+-]?[0-9]+")
_DEC = re.compile(r"[+-]?([0-9]+)(?:\.([0-9]+))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TS = re.compile(  # groups: year month day hour minute [second [fraction]] [Z | sign hours minutes]
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(Z|([+-])([0-9]{2}):([0-9]{2}))?"
)
_MIN_TS = datetime.fromisoformat(c.MIN_TIMESTAMP)
# An order item's state after the referential check: 0 accepted, a tuple pending, else rejected for
# USER_MISMATCH (and ORPHAN_PRODUCT too when its product is unknown: a row collects every reason).
_MISMATCH, _MISMATCH_NO_PRODUCT = 2, 3


@lru_cache(maxsize=1 << 16)
def _timestamp(value: str):
    """(None, (microseconds since 2000 UTC, UTC date)) or (BAD_TIMESTAMP, None). No upper bound:
    the generator never writes a future instant, and the bound depends on when the run happens."""
    m = _TS.fullmatch(value)
    if m is None:
        return c.BAD_TIMESTAMP, None
    y, mo, d, h, mi, s, fraction, _, sign, off_h, off_m = m.groups()
    try:
        micros = int((fraction or "")[:6].ljust(6, "0"))  # beyond microseconds: truncated
        ts = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micros)
    except ValueError:  # calendar-invalid
        return c.BAD_TIMESTAMP, None
    if sign:
        if int(off_h) > 23 or int(off_m) > 59:
            return c.BAD_TIMESTAMP, None
        ts -= (1 if sign == "+" else -1) * timedelta(hours=int(off_h), minutes=int(off_m))
    if ts < _MIN_TS:
        return c.BAD_TIMESTAMP, None
    return None, ((ts - _MIN_TS) // timedelta(microseconds=1), ts.date().isoformat())


def check_field(field: c.Field, raw: str):
    """(reason or None, parsed value) for one field: missing, then type, then range."""
    value = raw.strip()
    if not value:
        return {c.KEY: c.NULL_KEY, c.REQUIRED: c.MISSING_VALUE}.get(field.kind), None
    if field.type == c.STRING:
        return None, value
    if field.type == c.TIMESTAMP:
        return _timestamp(value)
    if field.type == c.DATE:
        try:
            return (
                (None, value) if _DATE.fullmatch(value) and date.fromisoformat(value) else (c.BAD_TYPE, None)
            )
        except ValueError:
            return c.BAD_TYPE, None
    if field.type == c.DECIMAL:
        m = _DEC.fullmatch(value)
        if m is None:
            return c.BAD_TYPE, None
        too_big = len(m[1].lstrip("0")) > c.DECIMAL_PRECISION - c.DECIMAL_SCALE
        if too_big or len(m[2] or "") > c.DECIMAL_SCALE or Decimal(value) < field.min:
            return c.OUT_OF_RANGE, None
        return None, value
    limit = 1 << (63 if field.type == c.BIGINT else 31)
    if _INT.fullmatch(value) is None or not -limit <= int(value) < limit:
        return c.BAD_TYPE, None
    number = int(value)
    if (field.min is not None and number < field.min) or (field.max is not None and number > field.max):
        return c.OUT_OF_RANGE, None
    return None, number


class _Winners:
    """Dedup winners by primary key: the latest timestamp wins, a tie goes to the row read later (files
    are read in path order, rows in file order). Dense arrays for small keys keep 5M items cheap."""

    def __init__(self):
        self._ts, self._values, self._sparse = array("q"), [], {}

    def offer(self, key: int, ts: int, value) -> None:
        if key < len(self._ts) or (key < 2 * len(self._ts) + (1 << 20) and self._grow(key)):
            if ts >= self._ts[key]:
                self._ts[key], self._values[key] = ts, value
        elif key not in self._sparse or ts >= self._sparse[key][0]:
            self._sparse[key] = (ts, value)

    def _grow(self, key: int) -> bool:
        extra = max(key + 1, 2 * len(self._ts), 1024) - len(self._ts)
        self._ts.extend(array("q", [-1]) * extra)
        self._values.extend([None] * extra)
        return True

    def get(self, key: int):
        return self._values[key] if 0 <= key < len(self._ts) else self._sparse.get(key, (0, None))[1]

    def values(self) -> list:
        return [v for v in self._values if v is not None] + [v for _, v in self._sparse.values()]


def expected_outcome(root: Path, late_orders_csv: str = "") -> dict:
    """What one run of `root` on an empty warehouse reports (datasets, files_rejected), and how many
    of its pending items a second run with `late_orders_csv` (an orders file) re-admits (late)."""
    won, datasets, files_rejected = {}, {}, []
    for ds in (c.PRODUCTS, c.ORDERS, c.ORDER_ITEMS):  # items are checked against this run's parents
        counts = dict.fromkeys(
            ("files", "files_skipped", "rows_read", "accepted", "rejected", "duplicates"), 0
        )
        reasons, warnings, hashes, won[ds], pending = Counter(), Counter(), set(), _Winners(), []
        for path in sorted((root / ds).rglob("*.csv"), key=lambda p: p.relative_to(root).as_posix()):
            data = path.read_bytes()
            digest = hashlib.sha256(data).digest()
            if digest in hashes:  # the content was already ingested
                counts["files_skipped"] += 1
                continue
            outcome = _read_file(ds, data.decode("utf-8-sig"), won, counts, reasons)
            if outcome in (c.EMPTY_FILE, c.MISSING_COLUMNS):
                files_rejected.append(
                    {"dataset": ds, "file": path.relative_to(root).as_posix(), "reason": outcome}
                )
                continue
            hashes.add(digest)
            counts["files"] += 1
            warnings[c.EXTRA_COLUMNS] += outcome == c.EXTRA_COLUMNS
        # Until here "accepted" counted valid rows: those beyond one per key are duplicates.
        winners = won[ds].values()
        counts["duplicates"], counts["accepted"] = counts["accepted"] - len(winners), len(winners)
        if ds == c.ORDER_ITEMS:
            pending = [v for v in winners if isinstance(v, tuple)]
            reasons[c.ORPHAN_PRODUCT] = winners.count(_MISMATCH_NO_PRODUCT)
            reasons[c.USER_MISMATCH] = winners.count(_MISMATCH) + reasons[c.ORPHAN_PRODUCT]
            counts["rejected"] += reasons[c.USER_MISMATCH]
            counts["accepted"] -= len(pending) + reasons[c.USER_MISMATCH]
        names: dict[int, set[str]] = {}
        for department_id, department in winners if ds == c.PRODUCTS else ():
            names.setdefault(department_id, set()).add(department)
        warnings[c.DEPARTMENT_CONFLICT] = sum(len(n) > 1 for n in names.values())
        datasets[ds] = {
            **counts,
            "pending": len(pending),
            "rejected_by_reason": {r: reasons[r] for r in (*ROW_REASONS, c.ORPHAN_PRODUCT) if reasons[r]},
            "warnings": {w: warnings[w] for w in (c.DEPARTMENT_CONFLICT, c.EXTRA_COLUMNS) if warnings[w]},
        }
    late = {c.ORDERS: _Winners()}
    _read_file(c.ORDERS, late_orders_csv, late, Counter(), Counter())
    readmitted = 0
    for order_id, user_id, product_id in pending:  # the order items left pending
        user = won[c.ORDERS].get(order_id) or late[c.ORDERS].get(order_id)
        readmitted += user == user_id and won[c.PRODUCTS].get(product_id) is not None
    return {"datasets": datasets, "files_rejected": files_rejected, "late": {"readmitted": readmitted}}


def _read_file(ds: str, text: str, won: dict, counts: dict, reasons: dict) -> str | None:
    """Validate one file's rows and offer the valid ones to won[ds] (counted as `accepted` for now);
    returns its file reason, EXTRA_COLUMNS, or None."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next((row for row in reader if "".join(row).strip()), None)  # the first non-blank line
    names = [name.strip().lower() for name in header or ()]
    if not names:
        return c.EMPTY_FILE
    if any(name not in names for name in c.FIELD_NAMES[ds]):
        return c.MISSING_COLUMNS
    fields = c.FIELDS[ds]
    specs = [(f, names.index(f.name)) for f in fields]
    at = {f.name: i for i, f in enumerate(fields)}
    ts_at = next((i for i, f in enumerate(fields) if f.type == c.TIMESTAMP), None)
    date_at = next((i for i, f in enumerate(fields) if f.type == c.DATE), None)
    for row in reader:
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a blank line is not a row
        counts["rows_read"] += 1
        found, values = set(), []
        if len(row) != len(header):
            found.add(c.MALFORMED_ROW)
        else:
            for field, i in specs:
                reason, value = check_field(field, row[i])
                found.add(reason)
                values.append(value)
            found.discard(None)
            if (
                ts_at is not None
                and values[ts_at]
                and values[date_at]
                and values[ts_at][1] != values[date_at]
            ):
                found.add(c.DATE_MISMATCH)
        if found:
            counts["rejected"] += 1
            for reason in found:
                reasons[reason] += 1
            continue
        counts["accepted"] += 1
        if ds == c.PRODUCTS:
            value = (values[at["department_id"]], values[at["department"]])
        elif ds == c.ORDERS:
            value = values[at[USER_FK]]
        else:  # the referential check, against this run's products and orders
            order_id, user_id, product_id = values[at[ORDER_FK]], values[at[USER_FK]], values[at[PRODUCT_FK]]
            owner = won[c.ORDERS].get(order_id)
            known_product = won[c.PRODUCTS].get(product_id) is not None
            if owner is not None and owner != user_id:
                value = _MISMATCH if known_product else _MISMATCH_NO_PRODUCT
            elif owner is None or not known_product:
                value = (order_id, user_id, product_id)
            else:
                value = 0
        won[ds].offer(values[at[c.PRIMARY_KEY[ds]]], values[ts_at][0] if ts_at is not None else 0, value)
    return c.EXTRA_COLUMNS if len(set(names)) > len(fields) else None


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
