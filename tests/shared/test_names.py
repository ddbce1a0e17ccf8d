"""Names and paths that go into SQL are validated before any statement is built."""

from __future__ import annotations

import argparse

import pytest
from cfnlint.decode.cfn_yaml import loads

from lakehouse.query.engine import discover_tables
from orchestration.package import template_path
from orchestration.target import ENV_PATTERN, environment
from shared import delta
from shared.catalog import database_name
from shared.warehouse import sql_name

HOSTILE = ("dev; drop table x", "a`b", 'a"b', "a'b", "../x", "Dev", "", "1dev", "a b", "a\nb", "é")


def test_hostile_names_are_refused_as_sql_identifiers():
    assert sql_name("dev_silver") == "dev_silver"
    for name in HOSTILE:
        with pytest.raises(ValueError):
            sql_name(name)
        with pytest.raises(ValueError):
            database_name(name, "silver")
        with pytest.raises(argparse.ArgumentTypeError):
            environment(name)


def test_the_cli_environment_rule_is_the_templates():
    template = loads(template_path().read_text())
    assert template["Parameters"]["Environment"]["AllowedPattern"] == ENV_PATTERN


def test_a_table_path_that_could_close_its_quoting_is_refused():
    assert delta.sql_path("/w/silver/orders") == "delta.`/w/silver/orders`"
    for path in ("/w/x`; DROP TABLE y; --", "/w/a\nb"):
        with pytest.raises(ValueError):
            delta.sql_path(path)


def test_only_tables_named_as_sql_identifiers_are_queryable(tmp_path):
    for name in ("orders", 'evil"name', "x;y"):
        (tmp_path / "silver" / name / "_delta_log").mkdir(parents=True)
    assert sorted(discover_tables(str(tmp_path))) == [("silver", "orders")]
