"""Classify a written drop against the contract, to produce the manifest's expected counts.

`expected_outcome` reads back the bytes `lakehouse generate` wrote and reports what one `lakehouse run`
of them on an empty warehouse must report, not what the defect injector meant to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from array import array
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lakehouse.generate.defects import ORDER_FK, PRODUCT_FK, USER_FK
from shared import contract as c

ROW_REASONS = (c.MALFORMED_ROW, c.NULL_KEY, c.MISSING_VALUE, c.BAD_TYPE, c.BAD_TIMESTAMP, c.OUT_OF_RANGE)
ROW_REASONS += (c.DATE_MISMATCH, c.USER_MISMATCH)

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
