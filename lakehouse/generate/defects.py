"""Defect injection for `lakehouse generate`: which rows carry a defect, and how each one is written.

With `--defects RATE`, round(RATE x rows) rows of each dataset (at least one per defect kind) are
picked with a dedicated random stream, so the clean data of a seed is the same at every rate. The
picked rows get the dataset's kinds in turn; each kind rewrites its row, adds rows next to it
(duplicates, blank lines) or sends it elsewhere (a later file, the extra files, the late drop).
Nothing here decides an outcome: the generator classifies the bytes it wrote against the contract.
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from shared.contract import (
    DATE,
    DECIMAL,
    FIELD_NAMES,
    FIELDS,
    KEY,
    ORDER_ITEMS,
    ORDERS,
    PRIMARY_KEY,
    PRODUCTS,
    REQUIRED,
    STRING,
    TIMESTAMP,
)

# The foreign keys of an order item, named through the contract.
ORDER_FK, PRODUCT_FK = PRIMARY_KEY[ORDERS], PRIMARY_KEY[PRODUCTS]
USER_FK = next(f.name for f in FIELDS[ORDERS] if f.kind == KEY and f.name != ORDER_FK)

# Defect kinds. Rejected rows:
SHORT_ROW, LONG_ROW, NULL_KEY_ROW, MISSING_ROW = "short_row", "long_row", "null_key", "missing_value"
BAD_TYPE_ROW, BAD_TS_ROW, RANGE_ROW = "bad_type", "bad_timestamp", "out_of_range"
DATE_ROW, MULTI_ROW, USER_ROW = "date_mismatch", "several_reasons", "user_mismatch"
# Valid rows that end up pending, or whose order is held back for the late drop:
UNKNOWN_PRODUCT, LATE_ORDER = "unknown_product", "late_order"
# Valid rows written in a way the contract accepts:
DUP_SAME, DUP_NEXT, DUP_EARLIER, DUP_LATER = (
    "dup_same_file",
    "dup_next_file",
    "dup_earlier_ts",
    "dup_later_ts",
)
SPACES, TS_FORMAT, BLANK_LINE = "whitespace", "timestamp_format", "blank_line"
TO_EXTRA_COLUMNS, TO_CRLF_BOM = "to_extra_columns_file", "to_crlf_bom_file"

_COMMON = (SHORT_ROW, LONG_ROW, NULL_KEY_ROW, MISSING_ROW, BAD_TYPE_ROW, RANGE_ROW, MULTI_ROW)
_VALID = (DUP_SAME, DUP_NEXT, SPACES, BLANK_LINE, TO_EXTRA_COLUMNS, TO_CRLF_BOM)
_TIMED = (BAD_TS_ROW, DATE_ROW, DUP_EARLIER, DUP_LATER, TS_FORMAT)
KINDS: dict[str, tuple[str, ...]] = {
    PRODUCTS: _COMMON + _VALID,
    ORDERS: _COMMON + _VALID + _TIMED + (LATE_ORDER,),
    ORDER_ITEMS: _COMMON + _VALID + _TIMED + (USER_ROW, UNKNOWN_PRODUCT),
}
# Kinds that only show their reason when the item's order is in the drop: placed on such items first.
_NEEDS_PARENT = (USER_ROW, UNKNOWN_PRODUCT)

# Extra files, named to sort after the dated files; a byte copy is named <stem>_copy.csv.
EMPTY_FILE_NAME, MISSING_COLUMN_FILE = "extra_empty.csv", "extra_missing_column.csv"
EXTRA_COLUMNS_FILE, CRLF_BOM_FILE = "extra_columns.csv", "extra_crlf_bom.csv"

_BAD_INTS = ("10.0", "1e3", "abc")
_BAD_DECIMALS = ("abc", "12.3.4")
_BAD_TIMESTAMPS = (
    "not-a-time",
    "2025-02-30T10:00:00",  # calendar-invalid
    "1999-12-31T23:59:00",  # before 2000
    "2000-01-01T00:30:00+02:00",  # before 2000 once converted to UTC
)
_OFFSETS = (("Z", 0), ("+02:00", 2), ("-05:00", -5))
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


def pick_rows(rng, n: int, rate: float, kinds: tuple[str, ...], parent_ok=None) -> dict[int, str]:
    """Row index -> kind for round(rate x n) rows (at least one per kind when rate > 0)."""
    if rate <= 0 or n == 0:
        return {}
    count = min(n, max(len(kinds), int(rate * n + 0.5)))
    chosen = rng.sample(range(n), count)
    order = [kinds[i % len(kinds)] for i in range(count)]
    if parent_ok is not None:
        order.sort(key=lambda kind: kind not in _NEEDS_PARENT)
        chosen = [i for i in chosen if parent_ok(i)] + [i for i in chosen if not parent_ok(i)]
    return dict(zip(chosen, order, strict=True))


class Injector:
    """Rewrites the picked rows; keeps what goes to a later file, the extra files and the late drop."""

    def __init__(self, rng, rate: float, rows: dict[str, int], products: int, order_of_item=None):
        self.plans = {ds: pick_rows(rng, rows[ds], rate, KINDS[ds]) for ds in (PRODUCTS, ORDERS)}
        orders_plan = self.plans[ORDERS]
        parent_ok = None if order_of_item is None else (lambda i: order_of_item(i) not in orders_plan)
        self.plans[ORDER_ITEMS] = pick_rows(rng, rows[ORDER_ITEMS], rate, KINDS[ORDER_ITEMS], parent_ok)
        self.products = products
        self.late: list[str] = []  # order lines held back for the late drop
        self._carry = {ds: [] for ds in FIELDS}  # lines for the next file of the dataset
        self._incoming: dict[str, list[str]] = {}
        self._extra_columns = {ds: [] for ds in FIELDS}  # cell lists
        self._crlf = {ds: [] for ds in FIELDS}  # lines
        self._turns: Counter[str] = Counter()
        self._pos = {ds: {name: i for i, name in enumerate(FIELD_NAMES[ds])} for ds in FIELDS}

    def start_file(self, ds: str) -> None:
        self._incoming[ds], self._carry[ds] = self._carry[ds], []

    def end_file(self, ds: str) -> list[str]:
        """Lines carried over from the dataset's previous file, written at the end of this one."""
        return self._incoming.pop(ds)

    def _turn(self, key: str, n: int) -> int:
        self._turns[key] += 1
        return (self._turns[key] - 1) % n

    def _rotate(self, key: str, options: list):
        return options[self._turn(key, len(options))]

    def rows(self, ds: str, index: int, line: str) -> list[str]:
        """The lines written in place of clean row `index` (a line ending in LF) of `ds`."""
        kind = self.plans[ds][index]
        cells = line[:-1].split(",")
        pos = self._pos[ds]
        fields = FIELDS[ds]
        ts = next((pos[f.name] for f in fields if f.type == TIMESTAMP), None)
        day = next((pos[f.name] for f in fields if f.type == DATE), None)
        if kind in (DUP_SAME, BLANK_LINE, DUP_NEXT, DUP_EARLIER, DUP_LATER, LATE_ORDER):
            return self._placed(ds, kind, line, cells, ts)
        if kind == TO_EXTRA_COLUMNS:
            self._extra_columns[ds].append(cells)
            return []
        if kind == TO_CRLF_BOM:
            self._crlf[ds].append(line)
            return []
        if kind == SHORT_ROW:
            cells = cells[:-1]
        elif kind == LONG_ROW:
            text = [i for i, f in enumerate(fields) if f.type == STRING]
            if text and self._turn(kind + ds, 2):
                cells[text[-1]] += ",Deluxe"  # an unquoted comma inside a value
            else:
                cells.append(self._rotate(kind, ["extra", ""]))
        elif kind in (NULL_KEY_ROW, MISSING_ROW):
            wanted = KEY if kind == NULL_KEY_ROW else REQUIRED
            blank = self._rotate(kind, ["", "  "])  # empty once trimmed
            cells[self._rotate(kind + ds, [pos[f.name] for f in fields if f.kind == wanted])] = blank
        elif kind == BAD_TYPE_ROW:
            i, token = self._rotate(kind + ds, _bad_type_options(ds))
            cells[i] = token
        elif kind == BAD_TS_ROW:
            cells[ts] = self._rotate(kind, list(_BAD_TIMESTAMPS))
        elif kind == RANGE_ROW:
            i, token = self._rotate(kind + ds, _out_of_range_options(ds))
            cells[i] = token
        elif kind == DATE_ROW:
            cells[day] = _shift_date(cells[day], self._rotate(kind, [1, -1]))
        elif kind == MULTI_ROW:
            cells = self._several(ds, cells, ts, day)
        elif kind == USER_ROW:
            cells[pos[USER_FK]] = str(int(cells[pos[USER_FK]]) + 1)
        elif kind == UNKNOWN_PRODUCT:
            cells[pos[PRODUCT_FK]] = str(self.products + 1 + self._turn(kind, 1000))
        elif kind == SPACES:
            cells = [self._rotate(kind, [f" {c}", f"{c}  ", f"  {c} "]) for c in cells]
        elif kind == TS_FORMAT:
            cells[ts] = self._rotate(kind, _equivalent_timestamps(cells[ts]))
        return [",".join(cells) + "\n"]

    def _placed(self, ds: str, kind: str, line: str, cells: list[str], ts: int | None) -> list[str]:
        if kind == DUP_SAME:
            return [line, line]
        if kind == BLANK_LINE:
            return [self._rotate(kind, ["\n", "   \n"]), line]
        if kind == LATE_ORDER:
            self.late.append(line)
            return []
        if kind != DUP_NEXT:  # a copy 30 s earlier or later, in the next file
            moved = _shift_timestamp(cells[ts], -30 if kind == DUP_EARLIER else 30)
            if moved[:10] == cells[ts][:10]:
                cells[ts] = moved
        self._carry[ds].append(",".join(cells) + "\n")
        return [line]

    def _several(self, ds: str, cells: list[str], ts: int | None, day: int | None) -> list[str]:
        """A row with several reasons at once."""
        fields, pos = FIELDS[ds], self._pos[ds]
        keys = [pos[f.name] for f in fields if f.kind == KEY]
        variant = self._turn(MULTI_ROW + ds, 3)
        if variant == 0:  # a line of empty fields: NULL_KEY and MISSING_VALUE
            return [""] * len(cells)
        if variant == 1:  # BAD_TYPE, OUT_OF_RANGE (and DATE_MISMATCH)
            cells[keys[0]] = "abc"
            low = next(f for f in fields if f.kind != KEY and f.min is not None)
            cells[pos[low.name]] = str(low.min - 1)
            if day is not None:
                cells[day] = _shift_date(cells[day], 1)
            return cells
        cells[keys[-1]] = ""  # NULL_KEY with BAD_TIMESTAMP, or with MISSING_VALUE
        if ts is not None:
            cells[ts] = _BAD_TIMESTAMPS[0]
        else:
            cells[next(pos[f.name] for f in fields if f.kind == REQUIRED)] = ""
        return cells

    def write_extras(self, root: Path, ds: str, first_file: Path) -> None:
        """The dataset's file-level cases, and whatever was carried past its last file."""
        folder = root / ds
        header = list(FIELD_NAMES[ds])
        crlf = self._crlf[ds] + self._carry[ds]
        (folder / EMPTY_FILE_NAME).write_bytes(b"")
        # The last column is missing (the rows are copies, never read: the file is rejected).
        kept = [",".join(line[:-1].split(",")[:-1]) for line in crlf]
        _write(folder / MISSING_COLUMN_FILE, [",".join(header[:-1]), *kept], "\n")
        # Columns reversed, one extra, names in other case and padded: valid, with a warning.
        order = list(reversed(range(len(header))))
        names = [header[i] for i in order]
        names[0], names[-1] = names[0].upper(), f" {names[-1]} "
        lines = [",".join([names[0], "channel", *names[1:]])]
        for cells in self._extra_columns[ds]:
            values = [cells[i] for i in order]
            lines.append(",".join([values[0], "web", *values[1:]]))
        _write(folder / EXTRA_COLUMNS_FILE, lines, "\n")
        _write(folder / CRLF_BOM_FILE, ["\ufeff" + ",".join(header)] + [x[:-1] for x in crlf], "\r\n")
        shutil.copyfile(first_file, first_file.with_name(f"{first_file.stem}_copy.csv"))


def _write(path: Path, lines: list[str], eol: str) -> None:
    path.write_bytes("".join(line + eol for line in lines).encode("utf-8"))


def _bad_type_options(ds: str) -> list[tuple[int, str]]:
    options = []
    for i, f in enumerate(FIELDS[ds]):
        if f.type == DECIMAL:
            options += [(i, token) for token in _BAD_DECIMALS]
        elif f.type not in (STRING, TIMESTAMP, DATE):
            options.append((i, _BAD_INTS[len(options) % len(_BAD_INTS)]))
    return options


def _out_of_range_options(ds: str) -> list[tuple[int, str]]:
    options = []
    for i, f in enumerate(FIELDS[ds]):
        if f.type == DECIMAL:
            options += [(i, "-12.50"), (i, "12.345")]  # negative; 3 decimal places
            continue
        if f.min is not None:
            options.append((i, str(f.min - 1)))
        if f.kind == KEY:
            options.append((i, "-42"))
        if f.max is not None:
            options.append((i, str(f.max + 1)))
    return options


def _shift_date(value: str, days: int) -> str:
    return (date.fromisoformat(value) + timedelta(days=days)).isoformat()


def _shift_timestamp(value: str, seconds: int) -> str:
    return (datetime.fromisoformat(value) + timedelta(seconds=seconds)).strftime(_TS_FORMAT)


def _equivalent_timestamps(value: str) -> list[str]:
    """Other spellings of the same UTC instant that the contract accepts."""
    utc = datetime.fromisoformat(value)
    spelled = [(utc + timedelta(hours=hours)).strftime(_TS_FORMAT) + suffix for suffix, hours in _OFFSETS]
    return [*spelled, value.replace("T", " "), value[:16], value + ".000"]
