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
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from shared.contract import (
    BAD_TIMESTAMP,
    BAD_TYPE,
    BIGINT,
    DATE,
    DATE_MISMATCH,
    DECIMAL,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    DEPARTMENT_CONFLICT,
    EMPTY_FILE,
    EXTRA_COLUMNS,
    FIELD_NAMES,
    FIELDS,
    KEY,
    MALFORMED_ROW,
    MIN_TIMESTAMP,
    MISSING_COLUMNS,
    MISSING_VALUE,
    NULL_KEY,
    ORDER_ITEMS,
    ORDERS,
    OUT_OF_RANGE,
    PRIMARY_KEY,
    PRODUCTS,
    REQUIRED,
    STRING,
    TIMESTAMP,
    USER_MISMATCH,
)
from shared.generate_defects import ORDER_FK, PRODUCT_FK, USER_FK, Injector

DEFAULTS = {"orders": 7500, "days": 15, "seed": 42, "defects": 0.0, "start_date": "2025-04-01", "products": 1000}
DEPARTMENTS = ("Automotive", "Beauty", "Books", "Clothing", "Electronics", "Garden", "Grocery", "Health",
               "Home", "Music", "Sports", "Toys")
WORDS = ("Apex", "Bright", "Cedar", "Classic", "Compact", "Delta", "Echo", "Field", "Fresh", "Glow", "Harbor",
         "Iron", "Jade", "Kite", "Lunar", "Maple", "Metro", "Nova", "Oak", "Orbit", "Pixel", "Prime", "Quartz",
         "River", "Sage", "Solar", "Spark", "Stone", "Swift", "Terra", "Trail", "Ultra", "Urban", "Vivid",
         "Wave", "Wild", "Zen", "Zephyr")
FIRST_ORDER_ID, FIRST_USER_ID, MAX_ITEMS, MAX_ORDER_NUM = 10000, 1001, 10, 100
MIN_CENTS, MAX_CENTS = 2000, 50000  # total_amount in [20.00, 500.00)
REASONS = (MALFORMED_ROW, NULL_KEY, MISSING_VALUE, BAD_TYPE, BAD_TIMESTAMP, OUT_OF_RANGE, DATE_MISMATCH,
           USER_MISMATCH)
MANIFEST = "_manifest.json"
_MINUTES = [f"{h:02d}:{m:02d}:00" for h in range(24) for m in range(60)]
_FLUSH = 1 << 16  # lines buffered before a write


def generate(out, *, orders=7500, days=15, seed=42, defects=0.0, start_date="2025-04-01", products=1000,
             late_orders_out=None) -> dict:
    """Write the drop into `out` (new or empty) and return its manifest."""
    if orders < 0 or days < 1 or products < 1 or not 0 <= defects <= 1:
        raise ValueError("need orders >= 0, days >= 1, products >= 1 and 0 <= defects <= 1")
    root, late_root = Path(out), Path(late_orders_out) if late_orders_out else None
    _check_target(root)
    if late_root is not None:
        _check_target(late_root)
        a, b = root.resolve(), late_root.resolve()
        if a.is_relative_to(b) or b.is_relative_to(a):
            raise ValueError("--late-orders-out must be outside --out, and the other way round")
    start = date.fromisoformat(start_date)
    rng = random.Random(seed)
    sizes = bytes(1 + int(rng.random() * MAX_ITEMS) for _ in range(orders))  # items per order
    ends = array("q", accumulate(sizes))
    rows = {PRODUCTS: products, ORDERS: orders, ORDER_ITEMS: ends[-1] if orders else 0}
    injector = Injector(random.Random(f"{seed}:defects"), defects, rows, products, lambda i: bisect_right(ends, i))
    for ds in FIELDS:
        (root / ds).mkdir(parents=True, exist_ok=True)
    first = {PRODUCTS: _write_products(root, rng, products, injector)}
    first[ORDERS], first[ORDER_ITEMS] = _write_days(root, rng, start, days, sizes, products, injector)
    if defects > 0:
        for ds, path in first.items():
            injector.write_extras(root, ds, path)
    late = _header(ORDERS) + "".join(injector.late)
    if late_root is not None:
        (late_root / ORDERS).mkdir(parents=True, exist_ok=True)
        (late_root / ORDERS / f"{start + timedelta(days=days)}.csv").write_bytes(late.encode("utf-8"))
    args = {"orders": orders, "days": days, "seed": seed, "defects": defects, "start_date": start.isoformat(),
            "products": products}
    manifest = {"seed": seed, "args": args, **expected_outcome(root, late)}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _check_target(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FileExistsError(f"{path} exists and is not an empty directory")


def _header(ds: str) -> str:
    return ",".join(FIELD_NAMES[ds]) + "\n"


def _write_products(root: Path, rng: random.Random, count: int, injector: Injector) -> Path:
    # department_id and department are drawn separately: as in the sample, one does not fix the other.
    rnd, plan, n_dep = rng.random, injector.plans[PRODUCTS], len(DEPARTMENTS)
    injector.start_file(PRODUCTS)
    lines = [_header(PRODUCTS)]
    for index in range(count):
        pid = index + 1
        line = (f"{pid},{1 + int(rnd() * n_dep)},{DEPARTMENTS[int(rnd() * n_dep)]},"
                f"Product_{pid}_{WORDS[int(rnd() * len(WORDS))]}\n")
        lines.extend(injector.rows(PRODUCTS, index, line) if index in plan else (line,))
    lines.extend(injector.end_file(PRODUCTS))
    path = root / PRODUCTS / f"{PRODUCTS}.csv"
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


def _write_days(root, rng, start, days, sizes, products, injector) -> tuple[Path, Path]:
    """One orders file and one order items file per day; ids increase across days."""
    rnd, oplan, iplan = rng.random, injector.plans[ORDERS], injector.plans[ORDER_ITEMS]
    users = max(8999, len(sizes))
    order_index = item_index = 0
    paths = []
    for d in range(days):
        day = (start + timedelta(days=d)).isoformat()
        per_day = len(sizes) // days + (d < len(sizes) % days)
        opath, ipath = root / ORDERS / f"{day}.csv", root / ORDER_ITEMS / f"{day}.csv"
        paths.append((opath, ipath))
        injector.start_file(ORDERS)
        injector.start_file(ORDER_ITEMS)
        with opath.open("w", encoding="utf-8", newline="") as ofile, ipath.open("w", encoding="utf-8", newline="") as ifile:
            olines, ilines = [_header(ORDERS)], [_header(ORDER_ITEMS)]
            for _ in range(per_day):
                oid, user = FIRST_ORDER_ID + order_index, FIRST_USER_ID + int(rnd() * users)
                num, ts = 1 + int(rnd() * MAX_ORDER_NUM), f"{day}T{_MINUTES[int(rnd() * 1440)]}"
                cents = MIN_CENTS + int(rnd() * (MAX_CENTS - MIN_CENTS))
                line = f"{num},{oid},{user},{ts},{cents // 100}.{cents % 100:02d},{day}\n"
                olines.extend(injector.rows(ORDERS, order_index, line) if order_index in oplan else (line,))
                head, tail = f",{oid},{user},", f",{ts},{day}\n"
                for cart in range(1, sizes[order_index] + 1):
                    prior = "" if num == 1 else int(rnd() * 31)  # empty for a user's first order
                    line = f"{item_index + 1}{head}{prior},{1 + int(rnd() * products)},{cart},{int(rnd() * 2)}{tail}"
                    ilines.extend(injector.rows(ORDER_ITEMS, item_index, line) if item_index in iplan else (line,))
                    item_index += 1
                order_index += 1
                if len(ilines) > _FLUSH:
                    ifile.write("".join(ilines))
                    ilines.clear()
            olines.extend(injector.end_file(ORDERS))
            ilines.extend(injector.end_file(ORDER_ITEMS))
            ofile.write("".join(olines))
            ifile.write("".join(ilines))
    return paths[0]


# ---- The expected outcome: the contract applied to the bytes on disk -------------------------------------

_INT = re.compile(r"[+-]?[0-9]+")
_DEC = re.compile(r"[+-]?([0-9]+)(?:\.([0-9]+))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TS = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
                 r"(Z|[+-][0-9]{2}:[0-9]{2})?")
_INT_LIMIT = {BIGINT: 1 << 63}  # other integers are 32-bit
_MIN_TS = datetime.fromisoformat(MIN_TIMESTAMP)
_MISMATCH = 2  # an order item's state after the referential check; 0 = accepted, a tuple = pending


@lru_cache(maxsize=1 << 16)
def _timestamp(value: str):
    m = _TS.fullmatch(value)
    if m is None:
        return BAD_TIMESTAMP, None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        ts = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), int((frac or "0")[:6].ljust(6, "0")))
    except ValueError:
        return BAD_TIMESTAMP, None
    if tz and tz != "Z":
        ts -= (1 if tz[0] == "+" else -1) * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    if ts < _MIN_TS:
        return BAD_TIMESTAMP, None
    return None, ((ts - _MIN_TS) // timedelta(microseconds=1), ts.date().isoformat())


@lru_cache(maxsize=1 << 12)
def _date(value: str):
    try:
        return (None, value) if _DATE.fullmatch(value) and date.fromisoformat(value) else (BAD_TYPE, None)
    except ValueError:
        return BAD_TYPE, None


def _check(field, raw: str):
    """(reason or None, parsed value) for one field: missing, then type, then range."""
    value = raw.strip()
    if not value:
        return (NULL_KEY if field.kind == KEY else MISSING_VALUE if field.kind == REQUIRED else None), None
    if field.type == STRING:
        return None, value
    if field.type == TIMESTAMP:
        return _timestamp(value)
    if field.type == DATE:
        return _date(value)
    if field.type == DECIMAL:
        m = _DEC.fullmatch(value)
        if m is None:
            return BAD_TYPE, None
        too_big = len(m[1].lstrip("0")) > DECIMAL_PRECISION - DECIMAL_SCALE
        if too_big or len(m[2] or "") > DECIMAL_SCALE or Decimal(value) < field.min:
            return OUT_OF_RANGE, None
        return None, value
    limit = _INT_LIMIT.get(field.type, 1 << 31)
    if _INT.fullmatch(value) is None or not -limit <= int(value) < limit:
        return BAD_TYPE, None
    number = int(value)
    if (field.min is not None and number < field.min) or (field.max is not None and number > field.max):
        return OUT_OF_RANGE, None
    return None, number


class _Winners:
    """Dedup winners by primary key: the latest timestamp wins, a tie goes to the row read later (files
    are read in path order, rows in file order). Dense arrays for small keys keep 5M items cheap."""

    def __init__(self):
        self._ts, self._values, self._sparse = array("q"), [], {}

    def offer(self, key: int, ts: int, value) -> bool:
        """Keep the row if it wins; True when the key was already there (one of them is a duplicate)."""
        if key < len(self._ts) or (key < 2 * len(self._ts) + (1 << 20) and self._grow(key)):
            seen = self._ts[key] >= 0
            if ts >= self._ts[key]:
                self._ts[key], self._values[key] = ts, value
            return seen
        old = self._sparse.get(key)
        if old is None or ts >= old[0]:
            self._sparse[key] = (ts, value)
        return old is not None

    def _grow(self, key: int) -> bool:
        extra = max(key + 1, 2 * len(self._ts), 1024) - len(self._ts)
        self._ts.extend(array("q", [-1]) * extra)
        self._values.extend([None] * extra)
        return True

    def get(self, key: int):
        if 0 <= key < len(self._ts):
            return self._values[key]
        return self._sparse.get(key, (None, None))[1]

    def values(self) -> list:
        return [v for v in self._values if v is not None] + [v for _, v in self._sparse.values()]


def expected_outcome(root: Path, late_orders_csv: str = "") -> dict:
    """What one run of `root` on an empty warehouse reports (datasets, files_rejected, late), plus
    how many of its pending items a second run with `late_orders_csv` (an orders file) re-admits."""
    won, datasets, files_rejected = {}, {}, []
    for ds in (PRODUCTS, ORDERS, ORDER_ITEMS):  # items are checked against this run's products and orders
        stats = {"files": 0, "files_skipped": 0, "rows_read": 0, "accepted": 0, "rejected": 0, "duplicates": 0,
                 "pending": 0, "rejected_by_reason": {}, "warnings": {}}
        reasons, won[ds], hashes, extra_files = dict.fromkeys(REASONS, 0), _Winners(), set(), 0
        for path in sorted((root / ds).rglob("*.csv"), key=lambda p: p.relative_to(root).as_posix()):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in hashes:
                stats["files_skipped"] += 1
                continue
            outcome = _read_file(ds, data.decode("utf-8-sig"), won, stats, reasons)
            if outcome in (EMPTY_FILE, MISSING_COLUMNS):
                files_rejected.append({"dataset": ds, "file": path.relative_to(root).as_posix(), "reason": outcome})
                continue
            hashes.add(digest)
            stats["files"] += 1
            extra_files += outcome == EXTRA_COLUMNS
        winners = won[ds].values()
        stats["duplicates"] = stats["accepted"] - len(winners)  # "accepted" counted valid rows so far
        stats["accepted"] = len(winners)
        if ds == ORDER_ITEMS:
            pending = [v for v in winners if isinstance(v, tuple)]
            reasons[USER_MISMATCH] = sum(1 for v in winners if v == _MISMATCH)
            stats["pending"] = len(pending)
            stats["rejected"] += reasons[USER_MISMATCH]
            stats["accepted"] -= len(pending) + reasons[USER_MISMATCH]
        names_by_department: dict[int, set[str]] = {}
        for department_id, department in winners if ds == PRODUCTS else ():
            names_by_department.setdefault(department_id, set()).add(department)
        warnings = {DEPARTMENT_CONFLICT: sum(len(n) > 1 for n in names_by_department.values()),
                    EXTRA_COLUMNS: extra_files}
        stats["rejected_by_reason"] = {r: n for r, n in reasons.items() if n}
        stats["warnings"] = {w: n for w, n in warnings.items() if n}
        datasets[ds] = stats
    late = {ORDERS: _Winners()}
    _read_file(ORDERS, late_orders_csv, late, _scratch(), dict.fromkeys(REASONS, 0))
    readmitted = 0
    for order_id, user_id, product_id in pending:
        user = won[ORDERS].get(order_id) or late[ORDERS].get(order_id)
        readmitted += user == user_id and won[PRODUCTS].get(product_id) is not None
    return {"datasets": datasets, "files_rejected": files_rejected, "late": {"readmitted": readmitted}}


def _scratch() -> dict:
    return {"rows_read": 0, "accepted": 0, "rejected": 0}


def _read_file(ds: str, text: str, won: dict, stats: dict, reasons: dict) -> str | None:
    """Validate and dedupe the rows of one file into won[ds]; a file reason, EXTRA_COLUMNS or None."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not "".join(header).strip():
        return EMPTY_FILE
    names = [name.strip().lower() for name in header]
    if any(name not in names for name in FIELD_NAMES[ds]):
        return MISSING_COLUMNS
    specs = [(f, names.index(f.name)) for f in FIELDS[ds]]
    at = {f.name: i for i, f in enumerate(FIELDS[ds])}
    ts_at = next((i for i, f in enumerate(FIELDS[ds]) if f.type == TIMESTAMP), None)
    date_at = next((i for i, f in enumerate(FIELDS[ds]) if f.type == DATE), None)
    key_at, winners = at[PRIMARY_KEY[ds]], won[ds]
    for row in reader:
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a blank line: not a row
        stats["rows_read"] += 1
        found, values = set(), []
        if len(row) != len(header):
            found.add(MALFORMED_ROW)
        else:
            for field, i in specs:
                reason, value = _check(field, row[i])
                if reason:
                    found.add(reason)
                values.append(value)
            if ts_at is not None and values[ts_at] and values[date_at] and values[ts_at][1] != values[date_at]:
                found.add(DATE_MISMATCH)
        if found:
            stats["rejected"] += 1
            for reason in found:
                reasons[reason] += 1
            continue
        stats["accepted"] += 1
        ts = values[ts_at][0] if ts_at is not None else 0
        if ds == PRODUCTS:
            value = (values[at["department_id"]], values[at["department"]])
        elif ds == ORDERS:
            value = values[at[USER_FK]]
        else:
            order_id, user_id, product_id = values[at[ORDER_FK]], values[at[USER_FK]], values[at[PRODUCT_FK]]
            owner = won[ORDERS].get(order_id)
            if owner is not None and owner != user_id:
                value = _MISMATCH
            elif owner is None or won[PRODUCTS].get(product_id) is None:
                value = (order_id, user_id, product_id)
            else:
                value = 0
        winners.offer(values[key_at], ts, value)
    return EXTRA_COLUMNS if len(set(names)) > len(FIELD_NAMES[ds]) else None


# ---- Command line -----------------------------------------------------------------------------------------


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="new or empty directory for the drop")
    parser.add_argument("--orders", type=_count, default=DEFAULTS["orders"], help="orders (default %(default)s)")
    parser.add_argument("--days", type=_count, default=DEFAULTS["days"], help="days, one file each")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="random seed (default %(default)s)")
    parser.add_argument("--defects", type=_rate, default=DEFAULTS["defects"],
                        help="share of each dataset's rows given a defect, 0..1 (default %(default)s)")
    parser.add_argument("--start-date", type=date.fromisoformat, default=DEFAULTS["start_date"],
                        help="first day, YYYY-MM-DD (default %(default)s)")
    parser.add_argument("--products", type=_count, default=DEFAULTS["products"], help="products")
    parser.add_argument("--late-orders-out", type=Path, default=None,
                        help="directory for a second drop with the orders held back from --out")


def run(args: argparse.Namespace) -> dict:
    """Generate the drop `args` describe; returns its manifest."""
    return generate(args.out, orders=args.orders, days=args.days, seed=args.seed, defects=args.defects,
                    start_date=str(args.start_date), products=args.products, late_orders_out=args.late_orders_out)


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
