"""The `lakehouse` command's own behaviour: readable summary, show with time travel, bad input as
one line with exit code 2, an example in every command's help, --quiet and --json."""

import argparse
import os
import socket
import subprocess
import sys

import pytest

from lakehouse.cli import EXAMPLES, build_parser, emit, main, render
from shared.warehouse import table_path


def lakehouse(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`lakehouse ...` as a user runs it: a new process."""
    return subprocess.run(
        [sys.executable, "-m", "lakehouse.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def commands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_command_has_help_with_an_example():
    parser = build_parser()
    names = dict(commands(parser))
    assert set(names) == set(EXAMPLES)
    for name, sub in names.items():
        text = sub.format_help()
        assert f"example:\n  lakehouse {name}" in text, name
    assert "exit codes:" in parser.format_help()


@pytest.mark.parametrize(
    "args, env, message",
    [
        (
            ["run", "--raw", "{tmp}/nope", "--warehouse", "{tmp}/wh"],
            {},
            "lakehouse run: raw folder {tmp}/nope does not exist",
        ),
        (
            ["run", "--raw", "{tmp}", "--warehouse", "{tmp}/wh"],
            {"JAVA_HOME": "{tmp}/no-java"},
            "lakehouse run: Java 17 is required",
        ),
        (["report", "--warehouse", "{tmp}/wh"], {}, "lakehouse report: no report in {tmp}/wh/_reports"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, env, message):
    fill = lambda text: text.replace("{tmp}", str(tmp_path))  # noqa: E731
    done = lakehouse(*map(fill, args), env={k: fill(v) for k, v in env.items()})
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.startswith(fill(message)) and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stdout == ""


def test_a_port_in_use_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["local", "up", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lakehouse local: port {port} on 127.0.0.1 is in use") and err.count("\n") == 1


def test_quiet_prints_nothing_and_json_one_object(capsys):
    for flags, printed in (((False, True), ""), ((True, False), '{"a": 1}\n'), ((False, False), "text\n")):
        emit(argparse.Namespace(json=flags[0], quiet=flags[1]), {"a": 1}, lambda result: "text")
        assert capsys.readouterr().out == printed


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
    assert capsys.readouterr().err == f"lakehouse show: no table 'bronze.nope' in {tmp_path}\n"


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
            "lakehouse.cli",
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
