"""Change sets as AWS executes them. moto 5.2.5 runs an executed change set through the resource map
only: a CREATE change set leaves the stack without outputs (they were mapped from the empty
template of REVIEW_IN_PROGRESS) and without its parameters' effect on exports, and an executed
change set can be executed again. Here CREATE builds the stack as create_stack does and UPDATE
goes through the stack's own update (outputs recomputed), and only an AVAILABLE change set runs.
CreateChangeSet without changes answers, as on AWS, with a change set in status FAILED ("didn't
contain changes") instead of moto's error "No updates are to be performed"."""

from __future__ import annotations

from moto.cloudformation import models as cfn_models
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import ValidationError

AVAILABLE, EXECUTED = "AVAILABLE", "EXECUTE_COMPLETE"


def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = self.describe_change_set(change_set_name)
    if change_set.execution_status != AVAILABLE:
        raise ValidationError(
            message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
            f"execution status of [{change_set.execution_status}]"
        )
    stack = self.stacks[change_set.stack_id]
    if change_set.change_set_type == "CREATE":
        stack.template = change_set.template
        stack._parse_template()
        stack.parameters = change_set.parameters
        stack.cross_stack_resources = self.exports
        stack.resource_map = stack._create_resource_map()
        stack.output_map = stack._create_output_map()
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
        for export in stack.exports:
            self.exports[export.name] = export
    else:
        stack.update(change_set.template, change_set.role_arn, change_set.parameters, change_set.tags or None)
    change_set.execution_status = EXECUTED


def _create_change_set(original):
    def create_change_set(self):
        self._validate_different_update = lambda *args, **kwargs: None  # this request only
        try:
            return original(self)
        finally:
            del self._validate_different_update

    return create_change_set


def install() -> None:
    cfn_models.CloudFormationBackend.execute_change_set = execute_change_set
    response = cfn_responses.CloudFormationResponse
    response.create_change_set = _create_change_set(response.create_change_set)
