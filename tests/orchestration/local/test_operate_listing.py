"""orchestration.operate on a real Step Functions API (moto): a drop of many files starts an
execution per file, and following them must see every one, past the listing's first page (100)."""

from __future__ import annotations

import time
from types import SimpleNamespace

from orchestration import operate
from tests.orchestration.local.test_moto_fixes import _state_machine

STARTED = 130  # past one page of ListExecutions (100)


def test_follow_sees_every_execution_started_after_the_mark_on_every_page(client):
    arn = _state_machine(client, {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    target = SimpleNamespace(client=client, outputs={"StateMachineArn": arn})
    sfn = client("stepfunctions")
    sfn.start_execution(stateMachineArn=arn, name="before-the-mark")
    time.sleep(1.1)
    mark = time.time()
    names = {f"after-{n}" for n in range(STARTED)}
    for name in sorted(names):
        sfn.start_execution(stateMachineArn=arn, name=name)

    assert {e["name"] for e in operate.executions_since(target, mark)} == names
    finals = operate.follow(target, lambda *_: None, mark, timeout=300, settle=1)
    assert {f["name"] for f in finals} == names
    assert {f["status"] for f in finals} == {"SUCCEEDED"}
