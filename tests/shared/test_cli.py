"""The `lakehouse` command's own behaviour: readable summary, show with time travel, bad input."""

from shared.cli import main, render
from shared.warehouse import table_path


def test_render_lists_datasets_reasons_and_rejects():
    stats = dict.fromkeys(("files", "files_skipped", "rows_read", "accepted", "rejected", "duplicates"), 1)
    stats |= {"pending": 0, "readmitted": 0, "rejected_by_reason": {"NULL_KEY": 1}, "warnings": {}}
    text = render(
        {
            "run_id": "r1",
            "status": "SUCCEEDED",
            "datasets": {"orders": stats},
            "files_rejected": [{"dataset": "orders", "file": "orders/x.csv", "reason": "EMPTY_FILE"}],
            "archived": 2,
            "tables": {"silver.orders": 1234},
        }
    )
    assert "run r1: SUCCEEDED" in text
    assert "rejected_by_reason: NULL_KEY=1" in text
    assert "orders/x.csv (EMPTY_FILE)" in text
    assert "silver.orders=1,234" in text


def test_show_reads_a_table_as_of_a_version(spark, tmp_path, capsys):
    path = table_path(str(tmp_path), "bronze", "orders")
    spark.createDataFrame([("first",)], "v string").write.format("delta").save(path)
    spark.createDataFrame([("second",)], "v string").write.format("delta").mode("overwrite").save(path)
    assert main(["show", "--warehouse", str(tmp_path), "bronze.orders", "--version", "0"]) == 0
    out = capsys.readouterr().out
    assert "first" in out and "second" not in out
    assert main(["show", "--warehouse", str(tmp_path), "bronze.nope"]) == 2
    assert "no table 'bronze.nope'" in capsys.readouterr().err


def test_generate_refuses_a_non_empty_target(tmp_path, capsys):
    (tmp_path / "x").write_text("taken")
    assert main(["generate", "--out", str(tmp_path), "--orders", "5"]) == 2
    assert "lakehouse generate:" in capsys.readouterr().err


def test_run_json_stdout_is_one_json_object(tmp_path):
    """As a user runs it: a new process and JVM, whose own output must stay off stdout."""
    import json
    import subprocess
    import sys

    from tests.drops import header, write_drop

    write_drop(tmp_path / "raw", {"products/p.csv": header("products") + "1,2,Books,B\n"})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shared.cli",
            "run",
            "--raw",
            str(tmp_path / "raw"),
            "--warehouse",
            str(tmp_path / "wh"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["status"] == "SUCCEEDED"
    assert summary["datasets"]["products"]["accepted"] == 1
