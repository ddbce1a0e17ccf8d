"""CloudFormation on the local AWS runtime (moto 5.2.5) creates what orchestration/template.yaml
declares, with the behaviour AWS gives it.

`install()` registers the resource types moto's CloudFormation ignores and patches what it gets wrong;
call it before the moto server handles its first request (it is idempotent). Each fix names the moto
defect it covers; tests/orchestration/local/test_cfn_models.py has a test per fix that fails without it.

- `glue`, `athena`: Glue (Database, Job, SecurityConfiguration, Crawler) and Athena (WorkGroup)
  resources are created, updated and deleted in moto's glue/athena backends; Ref gives the name, as
  on AWS. `base.NamedResource` is the create/update/delete flow they share.
- `states`: state machines take Definition (an object) or DefinitionString, plus
  DefinitionSubstitutions, and land in the backend that executes them when execution is enabled;
  updates change the definition.
- `template`: `null` inside a JSON-typed property (an ASL `"ResultPath": null`) is kept, as AWS
  keeps it; an `AWS::NoValue` in a list removes the item. A stack update also updates the resources
  whose `Fn::Sub` strings name a changed parameter. describe_stack_resource(s) leave out conditional
  resources that were not created. Missing `Fn::GetAtt` attributes are answered. The YAML short
  forms `!Condition` and `!GetAtt [Resource, Attribute]` parse as on AWS.
- `buckets`: buckets get their notification (EventBridge), public access block, ownership,
  versioning, lifecycle and bucket-key settings.
- `misc`: bucket, queue and topic policies, SNS subscriptions and CloudWatch alarms are created
  (bucket policies are evaluated for role sessions: orchestration.local.resource_policies).
- `changesets`: an executed CREATE change set gives the stack its outputs and exports, an UPDATE one
  goes through the stack's update, and a change set runs once (the deploy uses change sets).
"""

from __future__ import annotations

from importlib.metadata import version

from moto.cloudformation import parsing

# Importing the model modules defines their classes, which is what registers them with moto.
from orchestration.local.cfn import athena, buckets, changesets, glue, misc, states, template  # noqa: F401

MOTO_VERSION = "5.2.5"
_installed = False


def install() -> None:
    """Register and patch everything; safe to call more than once."""
    global _installed
    if _installed:
        return
    installed = version("moto")
    if installed != MOTO_VERSION:
        raise RuntimeError(
            f"orchestration.local.cfn patches moto {MOTO_VERSION}, found {installed}: "
            "re-check each fix against the new release before changing the pin"
        )
    template.install()
    buckets.install()
    states.install()
    changesets.install()
    # moto caches its model lists on first use: drop them so the classes of this package are seen.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    _installed = True
