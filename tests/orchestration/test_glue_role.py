"""The Glue jobs act with the template's Glue role on the local runtime (orchestration.local.iam):
with the role as deployed, a drop with a rejected file is ingested and the file quarantined with
its reason; with one statement less (the quarantine write, which an earlier template lacked),
bronze fails with AccessDenied naming the action, nothing is lost, and the next run recovers."""

from __future__ import annotations

import json

from orchestration import operate
from tests.drops import header, write_drop
from tests.orchestration.pipeline import assert_conserved, caught_alerts, deployed, final, run_drop

POLICY = "lakehouse-glue-job"
FILES = {
    "orders/good.csv": header("orders") + "1,1,1,2025-04-01T10:00:00,10.00,2025-04-01\n",
    "orders/bad.csv": "order_id,user_id\n1,2\n",  # missing columns: rejected whole
}


def test_the_glue_role_quarantines_a_rejected_file_and_one_statement_less_is_denied(aws, tmp_path):
    target = deployed(aws, "role")
    iam = target.client("iam")
    role = f"lakehouse-{target.env}-glue-job"
    policy = iam.get_role_policy(RoleName=role, PolicyName=POLICY)["PolicyDocument"]
    less = [s for s in policy["Statement"] if s.get("Sid") != "WriteQuarantineReasons"]
    assert len(less) == len(policy["Statement"]) - 1
    narrowed = json.dumps({**policy, "Statement": less})
    iam.put_role_policy(RoleName=role, PolicyName=POLICY, PolicyDocument=narrowed)
    write_drop(tmp_path / "drop", FILES)
    finals, alerts, _ = run_drop(target, tmp_path / "drop")

    assert "FAILED" in {f["status"] for f in finals}, alerts
    [alert] = [a for a in caught_alerts(alerts) if a["failed_state"] == "Bronze"][:1]
    cause = alert["cause"]
    assert "AccessDenied" in cause and "s3:PutObject" in cause, cause
    assert f"assumed-role/{role}/" in cause and "/quarantine/" in cause, cause
    assert sorted(operate.list_keys(target, "raw/")) == sorted(f"raw/{name}" for name in FILES)

    iam.put_role_policy(RoleName=role, PolicyName=POLICY, PolicyDocument=json.dumps(policy))
    assert final(target, "with-the-statement")["status"] == "SUCCEEDED"
    assert operate.list_keys(target, "raw/") == []
    quarantined = [key.split("/", 2)[2] for key in operate.list_keys(target, "quarantine/")]
    assert sorted(quarantined) == ["orders/bad.csv", "orders/bad.csv.reason.json"], quarantined
    assert [key.split("/", 2)[2] for key in operate.list_keys(target, "archived/")] == ["orders/good.csv"]
    assert_conserved(target)
