"""An independent, pure-Python oracle of the data contract (README "The data contract" and
"Bad input and what happens").

Integration tests run the same raw drop through this and through the Spark pipeline and compare the
numbers. It is written from the contract text, not from the Spark code, and imports nothing from the
project but the names in shared/contract.py, so a bug shared by both is unlikely.
Silver rows hold typed values: int, str, Decimal (2 places), datetime.date, tz-aware UTC datetime.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib
import re
from decimal import Decimal

from shared.contract import (
    BAD_TIMESTAMP,
    BAD_TYPE,
    BIGINT,
    DATASETS,
    DATE,
    DATE_MISMATCH,
    DECIMAL,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    DEFAULT_GRACE_DAYS,
    DEPARTMENT_CONFLICT,
    EMPTY_FILE,
    EXTRA_COLUMNS,
    FIELD_NAMES,
    FIELDS,
    INT,
    KEY,
    MALFORMED_ROW,
    MISSING_COLUMNS,
    MISSING_VALUE,
    MIXED_LINE_ENDINGS,
    NOT_CSV,
    NULL_KEY,
    ORDER_ITEMS,
    ORDERS,
    ORPHAN_ORDER,
    ORPHAN_PRODUCT,
    OUT_OF_RANGE,
    PRIMARY_KEY,
    PRODUCTS,
    REQUIRED,
    TIMESTAMP,
    UNBALANCED_QUOTES,
    UNKNOWN_DATASET,
    UNREADABLE_FILE,
    USER_MISMATCH,
    Field,
)
from tests.reference_gold import daily_sales, department_daily_sales

UTC = dt.UTC
# "White space" as Java's \s: what trimming removes and what makes a line blank.
WS = " \t\n\r\f\v"
MIN_TS = dt.datetime(2000, 1, 1, tzinfo=UTC)
INT_BOUNDS = {BIGINT: (-(2**63), 2**63 - 1), INT: (-(2**31), 2**31 - 1)}
INTEGER_RE = re.compile(r"[+-]?[0-9]+")
DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.([0-9]*))?|\.([0-9]+))")
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TS_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
# Reasons sort in the contract's order, so a row's reason list is stable.
REASON_ORDER = (
    MALFORMED_ROW,
    NULL_KEY,
    MISSING_VALUE,
    MIXED_LINE_ENDINGS,
    BAD_TYPE,
    BAD_TIMESTAMP,
    OUT_OF_RANGE,
    DATE_MISMATCH,
    USER_MISMATCH,
    ORPHAN_ORDER,
    ORPHAN_PRODUCT,
)


# ---------------------------------------------------------------- CSV (RFC 4180)


def _split_record(s: str, eof: bool) -> list[str] | None:
    """The fields of one record, or None while a quoted field is still open (it continues on the next line).

    A quote opens a quoted field only at the field's start; elsewhere it is an ordinary character.
    Text between a closing quote and the next comma is kept (`"ab"c` -> `abc`, as Python's csv does).
    """
    fields: list[str] = []
    buf: list[str] = []
    i = 0
    while True:  # at the start of a field
        if s.startswith('"', i):
            i += 1
            while True:
                j = s.find('"', i)
                if j < 0:
                    if not eof:
                        return None
                    j = len(s)  # unterminated at end of file: the rest is the field
                buf.append(s[i:j])
                if s.startswith('""', j):
                    buf.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
        j = s.find(",", i)
        if j < 0:
            buf.append(s[i:])
            fields.append("".join(buf))
            return fields
        buf.append(s[i:j])
        fields.append("".join(buf))
        buf, i = [], j + 1


def parse_csv(text: str) -> list[list[str]]:
    """Records of a decoded file; LF or CRLF ends a record outside quotes; blank lines are dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    records, k = [], 0
    while k < len(lines):
        cur = lines[k]
        k += 1
        while True:
            body = cur[:-1] if cur.endswith("\r") else cur  # the CR of a CRLF terminator
            fields = _split_record(body, eof=k >= len(lines))
            if fields is not None:
                break
            cur += "\n" + lines[k]
            k += 1
        if body.strip(WS):
            records.append(fields)
    return records


# ---------------------------------------------------------------- values


def _integer(raw: str, kind: str) -> tuple[int | None, str | None]:
    if not INTEGER_RE.fullmatch(raw):
        return None, BAD_TYPE
    value = int(raw)
    lo, hi = INT_BOUNDS[kind]
    return (value, None) if lo <= value <= hi else (None, BAD_TYPE)


def _decimal(raw: str) -> tuple[Decimal | None, str | None]:
    m = DECIMAL_RE.fullmatch(raw)
    if not m:
        return None, BAD_TYPE
    value = Decimal(raw)
    places = len(m.group(1) or m.group(2) or "")
    too_big = abs(value) >= Decimal(10) ** (DECIMAL_PRECISION - DECIMAL_SCALE)
    if value < 0 or places > DECIMAL_SCALE or too_big:
        return None, OUT_OF_RANGE
    return value.quantize(Decimal(1).scaleb(-DECIMAL_SCALE)), None


def _date(raw: str) -> tuple[dt.date | None, str | None]:
    m = DATE_RE.fullmatch(raw)
    try:
        return (dt.date(*map(int, m.groups())), None) if m else (None, BAD_TYPE)
    except ValueError:
        return None, BAD_TYPE


def _timestamp(raw: str, max_ts: dt.datetime) -> tuple[dt.datetime | None, str | None]:
    m = TS_RE.fullmatch(raw)
    if not m:
        return None, BAD_TIMESTAMP
    y, mo, d, h, mi, s, frac, off = m.groups()
    micros = int((frac or "").ljust(6, "0")[:6])  # fractions truncate to microseconds
    tz = UTC
    if off and off != "Z":
        oh, om = int(off[1:3]), int(off[4:6])
        if oh > 23 or om > 59:
            return None, BAD_TIMESTAMP
        sign = -1 if off[0] == "-" else 1
        tz = dt.timezone(sign * dt.timedelta(hours=oh, minutes=om))
    try:
        ts = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micros, tzinfo=tz)
        ts = ts.astimezone(UTC)
    except (ValueError, OverflowError):  # calendar-invalid (Feb 30, hour 24, second 60) or offset overflow
        return None, BAD_TIMESTAMP
    return (ts, None) if MIN_TS <= ts <= max_ts else (None, BAD_TIMESTAMP)


def _within(value: int, f: Field) -> bool:
    return (f.min is None or value >= f.min) and (f.max is None or value <= f.max)


def validate(dataset: str, raw: dict[str, str], max_ts: dt.datetime) -> tuple[dict, list[str]]:
    """Typed values and the row's reasons (empty when valid) for one well-formed row."""
    values: dict = {}
    reasons: set[str] = set()
    for f in FIELDS[dataset]:
        text = raw[f.name].strip(WS)
        value, reason = None, None
        if not text:
            reason = {KEY: NULL_KEY, REQUIRED: MISSING_VALUE}.get(f.kind)  # optional: stays None
        elif f.type in INT_BOUNDS:
            value, reason = _integer(text, f.type)
            if value is not None and not _within(value, f):
                value, reason = None, OUT_OF_RANGE
        elif f.type == DECIMAL:
            value, reason = _decimal(text)
        elif f.type == TIMESTAMP:
            value, reason = _timestamp(text, max_ts)
        elif f.type == DATE:
            value, reason = _date(text)
        else:
            value = text
        values[f.name] = value
        if reason:
            reasons.add(reason)
    ts, day = values.get("order_timestamp"), values.get("date")
    if ts is not None and day is not None and ts.date() != day:
        reasons.add(DATE_MISMATCH)
    return values, sorted(reasons, key=REASON_ORDER.index)


# ---------------------------------------------------------------- the lakehouse


def _new_stats() -> dict:
    return {
        "files": 0,
        "files_skipped": 0,
        "rows_read": 0,
        "accepted": 0,
        "rejected": 0,
        "duplicates": 0,
        "pending": 0,
        "readmitted": 0,
        "expired": 0,
        "rejected_by_reason": {},
        "warnings": {},
    }


def _count(counter: dict, key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


class ReferenceLakehouse:
    """Silver state plus the file ledger and pending items, carried from one run() to the next."""

    def __init__(self, grace_days: int = DEFAULT_GRACE_DAYS):
        self.grace = dt.timedelta(days=grace_days)
        self.silver: dict[str, dict[int, dict]] = {d: {} for d in DATASETS}
        self.ledger: dict[str, set[str]] = {d: set() for d in DATASETS}  # sha-256 of ingested files
        self.pending: list[dict] = []  # {"row", "file", "row_number", "first_seen", "reasons"}

    def run(self, raw_root: pathlib.Path, run_ts: dt.datetime) -> dict:
        run_ts = run_ts.replace(tzinfo=UTC) if run_ts.tzinfo is None else run_ts.astimezone(UTC)
        raw_root = pathlib.Path(raw_root)
        summary: dict = {"datasets": {}, "files_rejected": []}
        for dataset in DATASETS:  # products, then orders, then order items
            stats = summary["datasets"][dataset] = _new_stats()
            rows = self._read(raw_root, dataset, stats, summary["files_rejected"])
            valid = []
            for rel, number, raw in rows:
                if raw is None:
                    self._reject(stats, [MALFORMED_ROW])
                    continue
                values, reasons = validate(dataset, raw, run_ts + dt.timedelta(days=1))
                if reasons:
                    self._reject(stats, reasons)
                else:
                    valid.append({"row": values, "file": rel, "row_number": number, "new": True})
            if dataset == ORDER_ITEMS:
                valid = self._recheck_pending(run_ts, stats) + valid
            winners = self._dedupe(dataset, valid, stats)
            if dataset == PRODUCTS:
                self._department_conflicts([w["row"] for w in winners], stats)
            for w in winners:
                if dataset == ORDER_ITEMS and w["new"] and not self._admit_item(w, run_ts, stats):
                    continue
                stats["accepted"] += int(w["new"])  # readmitted rows were counted on recheck
                self._merge(dataset, w["row"])
        for path in sorted(p for p in raw_root.rglob("*") if p.is_file()):
            rel = path.relative_to(raw_root).as_posix()
            if rel.split("/")[0] not in DATASETS or "/" not in rel:
                if not path.name.startswith(("_", ".")):
                    summary["files_rejected"].append(
                        {"dataset": None, "file": rel, "reason": UNKNOWN_DATASET}
                    )
        return summary

    def gold_daily_sales(self) -> list[dict]:
        return daily_sales(self.silver[ORDERS], self.silver[ORDER_ITEMS])

    def gold_department_daily_sales(self) -> list[dict]:
        return department_daily_sales(self.silver[ORDER_ITEMS], self.silver[PRODUCTS])

    # -- files

    def _read(self, raw_root: pathlib.Path, dataset: str, stats: dict, files_rejected: list) -> list:
        """(relative path, row number, {field: raw text} or None when malformed) for each ingested row."""
        out = []
        paths = sorted(
            (p for p in (raw_root / dataset).rglob("*") if p.is_file()),
            key=lambda p: p.relative_to(raw_root).as_posix(),
        )
        for path in paths:
            rel = path.relative_to(raw_root).as_posix()
            if not rel.lower().endswith(".csv"):
                files_rejected.append({"dataset": dataset, "file": rel, "reason": NOT_CSV})
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in self.ledger[dataset]:
                stats["files_skipped"] += 1
                continue
            try:
                records = parse_csv(data.decode("utf-8-sig"))
            except UnicodeDecodeError:
                files_rejected.append({"dataset": dataset, "file": rel, "reason": UNREADABLE_FILE})
                continue
            if not records:
                files_rejected.append({"dataset": dataset, "file": rel, "reason": EMPTY_FILE})
                continue
            header = [h.strip(WS).lower() for h in records[0]]
            if any(name not in header for name in FIELD_NAMES[dataset]):
                files_rejected.append({"dataset": dataset, "file": rel, "reason": MISSING_COLUMNS})
                continue
            if data.count(b'"') % 2:
                files_rejected.append({"dataset": dataset, "file": rel, "reason": UNBALANCED_QUOTES})
                continue
            first_end = re.search(rb"\r\n|\n|\r", data)
            unquoted = re.sub(rb'"[^"]*(?:""[^"]*)*"', b"", data)
            if first_end and first_end.group() == b"\r\n" and re.search(rb"(?<!\r)\n", unquoted):
                files_rejected.append({"dataset": dataset, "file": rel, "reason": MIXED_LINE_ENDINGS})
                continue
            index = {name: header.index(name) for name in FIELD_NAMES[dataset]}  # first of repeated names
            if len(header) > len(index):
                _count(stats["warnings"], EXTRA_COLUMNS)
            self.ledger[dataset].add(digest)
            stats["files"] += 1
            for number, fields in enumerate(records[1:], start=1):
                stats["rows_read"] += 1
                ok = len(fields) == len(header)
                out.append((rel, number, {n: fields[i] for n, i in index.items()} if ok else None))
        return out

    # -- rows

    @staticmethod
    def _reject(stats: dict, reasons: list[str]) -> None:
        stats["rejected"] += 1
        for reason in dict.fromkeys(reasons):
            _count(stats["rejected_by_reason"], reason)

    @staticmethod
    def _dedupe(dataset: str, candidates: list[dict], stats: dict) -> list[dict]:
        """One winner per key: latest order_timestamp (not for products), then later file, then later row."""

        def rank(c: dict) -> tuple:
            ts = () if dataset == PRODUCTS else (c["row"]["order_timestamp"],)
            return (*ts, c["file"], c["row_number"])

        best: dict[int, dict] = {}
        for c in candidates:
            key = c["row"][PRIMARY_KEY[dataset]]
            if key not in best or rank(c) > rank(best[key]):
                loser = best.get(key)
                best[key] = c
            else:
                loser = c
            if loser is not None and loser["new"]:  # a readmitted loser was counted as readmitted already
                stats["duplicates"] += 1
        return list(best.values())

    @staticmethod
    def _department_conflicts(rows: list[dict], stats: dict) -> None:
        names: dict[int, set[str]] = {}
        for r in rows:
            names.setdefault(r["department_id"], set()).add(r["department"])
        conflicts = sum(len(v) > 1 for v in names.values())
        if conflicts:
            _count(stats["warnings"], DEPARTMENT_CONFLICT, conflicts)

    def _merge(self, dataset: str, row: dict) -> None:
        table, key = self.silver[dataset], row[PRIMARY_KEY[dataset]]
        stored = table.get(key)
        if stored is None or dataset == PRODUCTS or row["order_timestamp"] >= stored["order_timestamp"]:
            table[key] = row

    def _parent_reasons(self, row: dict) -> tuple[bool, list[str]]:
        """(user mismatch?, reasons) for an item against silver orders and products."""
        order = self.silver[ORDERS].get(row["order_id"])
        reasons = [] if order is not None else [ORPHAN_ORDER]
        if row["product_id"] not in self.silver[PRODUCTS]:
            reasons.append(ORPHAN_PRODUCT)
        if order is not None and order["user_id"] != row["user_id"]:
            return True, [USER_MISMATCH, *reasons]
        return False, reasons

    def _admit_item(self, candidate: dict, run_ts: dt.datetime, stats: dict) -> bool:
        """Referential check of a new item: True to merge it; else it is rejected or parked as pending."""
        mismatch, reasons = self._parent_reasons(candidate["row"])
        if mismatch:
            self._reject(stats, reasons)
        elif reasons:
            stats["pending"] += 1
            self.pending.append({**candidate, "new": False, "first_seen": run_ts, "reasons": reasons})
        return not reasons

    def _recheck_pending(self, run_ts: dt.datetime, stats: dict) -> list[dict]:
        """Pending items whose parents have arrived (to merge); drop mismatched or too-old ones."""
        readmitted, still = [], []
        for p in self.pending:
            mismatch, reasons = self._parent_reasons(p["row"])
            if mismatch or (reasons and run_ts - p["first_seen"] > self.grace):
                stats["expired"] += 1
            elif reasons:
                still.append(p)
            else:
                stats["readmitted"] += 1
                readmitted.append(p)
        self.pending = still
        return readmitted
