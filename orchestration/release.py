"""`lakehouse release` (`make deploy ENV=...`): the one script the deploy workflow runs for an
environment, and the one a developer runs against the local runtime.

1. Deploy: the stack through a change set, the code bundle under `code/<version>/`.
2. Smoke run: with `--smoke sample`, a fixed tiny sample from the project's generator is dropped
   into the raw zone (each upload starts an execution, as in production); with `--smoke start`, one
   execution is started by hand over whatever is pending (production gets no synthetic rows).
   Every execution must end SUCCEEDED, and the sample's files must have left the raw zone.
3. Views: each sql/views file is created or replaced through Athena, in dependency order, then
   queried. After the smoke run, because a fresh environment's tables are registered by its first
   run; a view whose tables are not in the catalog yet is reported as skipped, not failed."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lakehouse.generate.drop import generate
from lakehouse.query.sql import parse_view, table_refs
from orchestration import operate
from orchestration.bundle import bundle
from orchestration.deploy import deploy
from shared.catalog import database_name

SAMPLE, START = "sample", "start"
SMOKE_SAMPLE = {"orders": 20, "days": 1, "products": 20, "defects": 0.0, "seed": 5}


class ReleaseError(RuntimeError):
    """A release step failed; the message says which and why."""


def ordered_views(files: dict[str, bytes]) -> list[tuple[tuple[str, str], str, set]]:
    """((layer, name), sql, tables it reads) of the bundle's views, each after the views it reads."""
    views = {}
    for key in sorted(k for k in files if k.startswith("sql/views/")):
        sql = files[key].decode()
        ref, body = parse_view(sql)
        views[ref] = (sql, table_refs(body))
    ordered: list[tuple[tuple[str, str], str, set]] = []
    while views:
        ready = [ref for ref, (_, refs) in views.items() if not refs & set(views) - {ref}]
        if not ready:
            raise ReleaseError(f"views read each other in a cycle: {sorted(views)}")
        for ref in sorted(ready):
            ordered.append((ref, *views.pop(ref)))
    return ordered


def in_catalog(glue, env: str, layer: str, name: str) -> bool:
    try:
        glue.get_table(DatabaseName=database_name(env, layer), Name=name)
    except glue.exceptions.EntityNotFoundException:
        return False
    return True


def create_views(target, files: dict[str, bytes], log) -> list[dict]:
    glue, done = target.client("glue"), []
    for (layer, name), sql, refs in ordered_views(files):
        view = f"{layer}.{name}"
        missing = [f"{db}.{t}" for db, t in sorted(refs) if not in_catalog(glue, target.env, db, t)]
        if missing:
            log(f"view {view}: skipped, {', '.join(missing)} not in the catalog yet (a first run adds it)")
            done.append({"view": view, "status": "skipped", "missing": missing})
            continue
        created = operate.athena_query(target, sql)
        if created["state"] != "SUCCEEDED":
            raise ReleaseError(f"view {view}: CREATE OR REPLACE VIEW {created['state']}: {created['reason']}")
        probe = operate.athena_query(target, f"select * from {layer}.{name} limit 1")
        if probe["state"] != "SUCCEEDED":
            raise ReleaseError(f"view {view}: created but a query on it {probe['state']}: {probe['reason']}")
        log(f"view {view}: created or replaced, {len(probe['columns'])} columns, query ok")
        done.append({"view": view, "status": "created", "columns": probe["columns"]})
    return done


def smoke(target, mode: str, log, timeout: float = 3600) -> dict:
    started, keys = time.time() - 1, []
    if mode == SAMPLE:
        with tempfile.TemporaryDirectory() as folder:
            generate(Path(folder) / "smoke", **SMOKE_SAMPLE)
            keys = operate.drop(target, [Path(folder) / "smoke"])
        log(f"smoke: {len(keys)} sample files dropped; following the executions they start")
    else:
        operate.start(target, f"smoke-{int(started)}")
        log("smoke: one execution started by hand")
    finals = operate.follow(target, lambda *_: None, started, timeout=timeout)
    failed = [f"{f['name']} {f['status']}" for f in finals if f["status"] != "SUCCEEDED"]
    if failed:
        raise ReleaseError(f"smoke run: executions did not succeed: {', '.join(failed)}")
    left = sorted(set(keys) & set(operate.list_keys(target, "raw/")))
    if left:
        raise ReleaseError(f"smoke run: {len(left)} sample files still in the raw zone, e.g. {left[0]}")
    log(f"smoke: {len(finals)} executions SUCCEEDED")
    return {"mode": mode, "files": len(keys), "executions": len(finals), "status": "SUCCEEDED"}


def release(target, *, files=None, smoke_mode=SAMPLE, log=print, **deploy_options) -> dict:
    """Deploy, smoke-test, create the views; a ReleaseError (or a deploy error) stops it.
    deploy_options: parameters, code_version, role_arn (see orchestration.deploy.deploy)."""
    files = bundle() if files is None else files
    deployed = deploy(target.env, target.endpoint, log=log, files=files, **deploy_options)
    smoked = smoke(target, smoke_mode, log)
    views = create_views(target, files, log)
    return {"deploy": deployed, "smoke": smoked, "views": views}
