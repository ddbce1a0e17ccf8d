"""Bronze on real files: verbatim values, lineage, malformed rows kept, idempotent per content."""

import datetime as dt

from chispa import assert_df_equality

from bronze.ingest import ingest_dataset
from shared import delta
from shared.contract import EMPTY_FILE, MISSING_COLUMNS, UNREADABLE_FILE
from shared.warehouse import ledger_path, table_path

AT = dt.datetime(2025, 4, 2, tzinfo=dt.UTC)


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_rows_land_verbatim_with_lineage_and_files_are_ingested_once(spark, tmp_path):
    raw, wh = tmp_path / "raw", str(tmp_path / "wh")
    # BOM, CRLF, header in another case and order plus an extra column, a quoted comma and line
    # break, a whitespace-only line (ignored), a short row (malformed, kept), a row of empty fields.
    write(
        raw / "products/day/a.csv",
        b"\xef\xbb\xbfDepartment, PRODUCT_ID ,department_id,product_name,extra\r\n"
        b'Books,1,4," Pro, ""1""\nx",e\r\n   \r\nToys,2\r\n,,,,\r\n',
    )
    write(raw / "products/copy.csv", (raw / "products/day/a.csv").read_bytes())
    write(raw / "products/empty.csv", b"")
    write(raw / "products/missing.csv", b"product_id\n1\n")
    write(raw / "products/latin1.csv", b"product_id,department_id,department,product_name\n1,2,Caf\xe9,x\n")

    result = ingest_dataset(spark, str(raw), wh, "products", "run-1", AT)

    assert {(p.raw.file, p.action, p.reason) for p in result.plans} == {
        ("products/copy.csv", "ingest", None),
        ("products/day/a.csv", "skip", None),
        ("products/empty.csv", "reject", EMPTY_FILE),
        ("products/missing.csv", "reject", MISSING_COLUMNS),
        ("products/latin1.csv", "reject", UNREADABLE_FILE),
    }
    assert result.rows_appended == 3
    bronze = delta.read(spark, table_path(wh, "bronze", "products")).drop("_source_hash", "_ingested_at")
    expected = spark.createDataFrame(
        [
            ("1", "4", "Books", ' Pro, "1"\nx', None, "products/copy.csv", 1, "run-1"),
            ("2", None, "Toys", None, "Toys,2", "products/copy.csv", 2, "run-1"),
            (None, None, None, None, None, "products/copy.csv", 3, "run-1"),
        ],
        bronze.schema,
    )
    assert_df_equality(bronze, expected, ignore_row_order=True, ignore_nullable=True)

    again = ingest_dataset(spark, str(raw), wh, "products", "run-2", AT)
    assert again.rows_appended == 0
    assert {p.action for p in again.plans if p.raw.file.endswith(("a.csv", "copy.csv"))} == {"skip"}
    ledger = delta.read(spark, ledger_path(wh))
    assert ledger.where("run_id = 'run-2' AND action = 'ingest'").count() == 0
    assert delta.read(spark, table_path(wh, "bronze", "products")).count() == 3
