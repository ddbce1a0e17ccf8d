"""In-process fixes for moto 5.2.5, so the project's real ASL runs on moto's Step Functions interpreter.

`install()` patches moto's classes and module functions in this process. Call it before a moto server
starts (the patches act on moto's in-process backends, which the server thread then uses); calling it
again does nothing. `set_port(port)` points the interpreter's service integrations at our server.

Every fix is one private function below whose docstring names the moto defect and why the fix is
right; each is covered by a test in tests/orchestration/local/test_moto_fixes.py that fails without
it. The fixes are written against moto 5.2.5 exactly (the version pyproject.toml pins): `install()`
refuses another version, because each patch replaces or wraps a private piece of moto that a new
release may have changed or fixed.

Checked and needing no fix on 5.2.5 (a test covers each all the same): the optimised
`arn:aws:states:::dynamodb:putItem` reports `DynamoDB.ConditionalCheckFailedException`; Athena's
request-response calls (startQueryExecution, getQueryExecution, getQueryResults) are forwarded to the
server as an "unsupported optimised integration" and return the service's response shape (`.sync` is
not available for Athena there: poll with Wait + getQueryExecution + Choice), though their errors
needed a fix; a Map in DISTRIBUTED mode with an `arn:aws:states:::s3:getObject` ItemReader
(`InputType: JSON`) and MaxConcurrency runs a child per item.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.metadata
import logging
import os
import sys
import threading
import time
import uuid
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.handlers import handle_copy_source_param
from moto.core.models import botocore_stubber
from moto.core.utils import unix_time
from moto.s3 import models as s3_models
from moto.s3 import notifications
from moto.s3.models import FakeKey

from orchestration.local import eventbridge, iam, s3_conditional, sfn_quotas, trust, web_identity

LOG = logging.getLogger(__name__)

MOTO_VERSION = "5.2.5"

# The session name of the state machine's role in its integrations' calls (orchestration.local.iam).
STATES_SESSION = "StepFunctionsSession"
# How often a `.sync` integration (Glue startJobRun) polls the service locally. Real Step Functions
# polls far less often; locally a job's end should be seen within about a second.
SYNC_POLL_SECONDS = 0.5

_install_lock = threading.Lock()
_installed = False
_port: int | None = None

_SFN_PARSER = "moto.stepfunctions.parser"
_SERVICE = f"{_SFN_PARSER}.asl.component.state.exec.state_task.service"


def install() -> None:
    """Apply every fix to moto in this process (idempotent). Call before a moto server starts."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _check_moto_version()
        _fix_glue_sync()
        _fix_task_result_datetimes()
        _fix_map_and_parallel_error_names()
        eventbridge.install()
        _fix_s3_eventbridge_events()
        _fix_integration_endpoint()
        _fix_aws_sdk_error_names()
        _fix_athena_error_names()
        _fix_aws_sdk_casing()
        _fix_kms_key_id_header()
        _fix_definite_json_paths()
        sfn_quotas.install()
        s3_conditional.install()
        iam.install()
        trust.install()
        web_identity.install()
        _installed = True


def set_port(port: int | None) -> None:
    """Make the interpreter's service integrations call our server at 127.0.0.1:`port`.

    moto's interpreter builds each integration's client with `boto_client_for`, which targets
    `http://localhost:{MOTO_PORT}` (the MOTO_PORT environment variable, read at call time, default
    5000). Setting MOTO_PORT alone would be enough for the port; this also sets it (moto's Lambda and
    Batch read it too), and, once `install()` has run, the integrations target 127.0.0.1 rather than
    whatever `localhost` resolves to first, so they cannot reach another server on ::1. `None` forgets
    the port and unsets MOTO_PORT.
    """
    global _port
    if port is None:
        _port = None
        os.environ.pop("MOTO_PORT", None)
        return
    _port = int(port)
    os.environ["MOTO_PORT"] = str(_port)


def _check_moto_version() -> None:
    installed = importlib.metadata.version("moto")
    if installed != MOTO_VERSION:
        raise RuntimeError(
            f"orchestration.local.moto_fixes is written against moto {MOTO_VERSION}, found {installed}: "
            "re-check each fix against the new release before changing the pin"
        )


# --- a. glue:startJobRun.sync -------------------------------------------------------------------


def _fix_glue_sync() -> None:
    """moto 5.2.5: every `arn:aws:states:::glue:startJobRun.sync` fails with States.Runtime
    "'NoneType' object has no attribute 'interrupt_all'".

    `StateTaskServiceCallback._eval_integration_pattern` only creates a callback endpoint when the
    service supports `.waitForTaskToken`, but its `finally` block calls `callback_endpoint.interrupt_all()`
    unconditionally. Glue is the one service whose only pattern is `.sync`, so its endpoint is None and
    the task fails after the job run has been started. The fix runs the same sync path without the
    callback endpoint for such services: the service's own sync resolver polls GetJobRun (every
    SYNC_POLL_SECONDS) until a terminal state and returns the job run (with JobName, as AWS does);
    services that support task tokens keep moto's code unchanged.

    On an abnormal end the interpreter's Glue resolver raises States.TaskFailed with the job run JSON
    (JobRunState, ErrorMessage, ...) as Cause: that is kept, being the error Step Functions reports
    for a Glue `.sync` run that ends badly (`Glue.<Code>`, e.g. Glue.ConcurrentRunsExceededException,
    is for a failing Glue API call, and the optimised integration already names those so). moto counts
    STOPPED as a normal end and does not know EXPIRED (such a run would be polled forever): a `.sync`
    task succeeds only on SUCCEEDED, so both join the abnormal terminal states.

    A task that times out (or whose execution is stopped) stops its job run (BatchStopJobRun, with
    the state machine's integration client), as Step Functions does for `.sync` runs; moto left the
    run going, holding one of the job's MaxConcurrentRuns.
    """
    callback = importlib.import_module(f"{_SERVICE}.state_task_service_callback")
    glue = importlib.import_module(f"{_SERVICE}.state_task_service_glue")
    resource = importlib.import_module(f"{_SERVICE}.resource")
    condition = resource.ResourceCondition

    callback._DELAY_SECONDS_SYNC_CONDITION_CHECK = SYNC_POLL_SECONDS
    glue._JOB_RUN_STATE_ABNORMAL_TERMINAL_VALUE.update({"STOPPED", "EXPIRED"})
    glue._JOB_RUN_STATE_TERMINAL_VALUES.update({"STOPPED", "EXPIRED"})

    cls = callback.StateTaskServiceCallback
    original = cls._eval_integration_pattern

    def _eval_integration_pattern(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        if condition.WaitForTaskToken in self._supported_integration_patterns:
            return original(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        # A sync-only service: moto's sequence minus the (absent) callback endpoint.
        task_output = env.stack.pop()
        self.timeout.eval(env=env)
        timeout_seconds = env.stack.pop()
        env.stack.append(task_output)  # the sync resolver builders read the start call's output
        build = (
            self._build_sync_resolver
            if self.resource.condition == condition.Sync
            else self._build_sync2_resolver
        )
        sync_resolver = build(
            env=env,
            resource_runtime_part=resource_runtime_part,
            normalised_parameters=normalised_parameters,
            state_credentials=state_credentials,
        )
        outcome = self._eval_sync(
            env=env,
            sync_resolver=sync_resolver,
            timeout_seconds=timeout_seconds,
            callback_endpoint=None,
            heartbeat_endpoint=None,
        )
        run_id = task_output.get("JobRunId") if isinstance(task_output, dict) else None
        if outcome is None and not env.is_running() and run_id and "JobName" in normalised_parameters:
            client = glue.boto_client_for(
                region=resource_runtime_part.region, service="glue", state_credentials=state_credentials
            )
            client.batch_stop_job_run(JobName=normalised_parameters["JobName"], JobRunIds=[run_id])
        env.stack.append(outcome)

    cls._eval_integration_pattern = _eval_integration_pattern


# --- b. datetimes in task results ----------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    """`value` with every datetime/date replaced by its ISO-8601 string, containers rebuilt."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def _fix_task_result_datetimes() -> None:
    """moto 5.2.5: DescribeExecution returns HTTP 500 when a task result held timestamps.

    A service integration pushes the boto3 response as it is onto the state data, so timestamps
    (GetJobRun's StartedOn/CompletedOn, HeadObject's LastModified, Athena's SubmissionDateTime) stay
    Python datetimes. The history events survive (the interpreter's `to_json_str` encodes datetimes
    as ISO-8601), but the execution output is later encoded by `StepFunctionResponse.describe_execution`
    with a plain `json.dumps`, which raises TypeError: HTTP 500. On AWS a task result is JSON text, so
    every later state (and the output) sees strings. The fix converts the result to JSON values where
    every service task's result is finalised, `StateTaskService._after_eval_execution` (after any
    `.sync` outcome has replaced it, before ResultSelector/ResultPath and the TaskSucceeded event), in
    the same ISO-8601 form the interpreter's history events already use. Execution input needs no fix:
    moto keeps it as the caller's text.
    """
    service = importlib.import_module(f"{_SERVICE}.state_task_service")
    cls = service.StateTaskService
    original = cls._after_eval_execution

    def _after_eval_execution(self, env, *args, **kwargs):
        if env.stack:
            env.stack[-1] = _json_safe(env.stack[-1])
        return original(self, env, *args, **kwargs)

    cls._after_eval_execution = _after_eval_execution


# --- c. States.* errors out of Map iterations and Parallel branches -------------------------------


def _fix_map_and_parallel_error_names() -> None:
    """moto 5.2.5: a Map iteration (or Parallel branch) failing with a `States.*` error fails the
    Map (Parallel) with States.Runtime, and the real error and cause are lost.

    The iteration worker (`IterationWorker._eval_job`) and `BranchesDecl` rebuild the child's error
    as `CustomErrorName(error)`, and CustomErrorName raises ValueError for names that start with
    "States." (the ASL rule for *user-defined* names). So States.TaskFailed, States.Timeout, ... turn
    into a Python exception, reported as States.Runtime, and a Catch on the Map never sees them. On
    AWS the Map fails with the iteration's error and cause. The fix gives those two modules a
    constructor that keeps the name: the interpreter's StatesErrorName for a known States.* name (so
    ErrorEquals matching treats it exactly as when the error is raised outside a Map, e.g.
    States.TaskFailed does not catch States.Timeout), a plain ErrorName for an unknown States.* name,
    CustomErrorName otherwise.
    """
    base = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.error_name")
    custom = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.custom_error_name")
    states = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.states_error_name")
    worker = importlib.import_module(
        f"{_SFN_PARSER}.asl.component.state.exec.state_map.iteration.iteration_worker"
    )
    branches = importlib.import_module(f"{_SFN_PARSER}.asl.component.state.exec.state_parallel.branches_decl")

    class _PropagatedErrorName(base.ErrorName):
        """An error name raised by a child program, kept as it is."""

    def _propagated_error_name(error_name: str | None):
        if error_name is None or not error_name.startswith(custom.ILLEGAL_CUSTOM_ERROR_PREFIX):
            return custom.CustomErrorName(error_name=error_name)
        try:
            return states.StatesErrorName.from_name(error_name)
        except ValueError:
            return _PropagatedErrorName(error_name=error_name)

    worker.CustomErrorName = _propagated_error_name
    branches.CustomErrorName = _propagated_error_name


# --- d. EventBridge targets and Step Functions status changes: orchestration.local.eventbridge ----


# --- e. S3 -> EventBridge events --------------------------------------------------------------------

_S3_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "POST Object",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject",
    "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
}

_in_multipart_completion = threading.local()


def _s3_eventbridge_event(account_id: str, bucket: Any, event_name: str, key: Any, detail_type: str):
    """The EventBridge event S3 sends for an object created or deleted (AWS S3 user guide, EventBridge)."""
    obj: dict[str, Any] = {"key": key.name}
    if detail_type == "Object Created":
        obj["size"] = key.size
        obj["etag"] = key.etag.replace('"', "")
    if getattr(bucket, "is_versioned", False) and key.version_id not in (None, "null"):
        obj["version-id"] = key.version_id
    obj["sequencer"] = format(time.time_ns(), "018X")  # hex, increasing, like S3's
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": obj,
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account_id,
        "source-ip-address": "127.0.0.1",
        "reason": _S3_REASONS[event_name],
    }
    if detail_type == "Object Deleted":
        detail["deletion-type"] = (
            "Delete Marker Created" if event_name.endswith("DeleteMarkerCreated") else "Permanently Deleted"
        )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": account_id,
        # moto keeps event time as epoch seconds internally (its SQS and log targets format it).
        "time": unix_time(),
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": detail,
    }


def _fix_s3_eventbridge_events() -> None:
    """moto 5.2.5: S3 does send "Object Created" events to EventBridge for a bucket with
    EventBridgeConfiguration, but not in AWS's shape, and twice for a multipart upload.

    `moto.s3.notifications._send_event_bridge_message` gives every event the same id, sets
    detail.reason to "ObjectCreated" instead of the API (PutObject, CopyObject,
    CompleteMultipartUpload, POST Object), names the ETag "eTag" where AWS's detail.object has "etag",
    adds version-id "null" for unversioned buckets, and matches the rules of every event bus, where S3
    sends to the account's default bus only. `S3Backend.complete_multipart_upload` stores the object
    through `put_object` with notifications on, so an upload also emits an ObjectCreated:Put (a
    second "Object Created", reason PutObject) before its CompleteMultipartUpload event. The fix builds
    object created/deleted events in AWS's shape for the default bus, and drops the inner Put
    notification of a multipart completion (for every notification target, as AWS sends one). Other S3
    event types keep moto's code.
    """

    original_send_event = notifications.send_event
    original_bridge = notifications._send_event_bridge_message

    def send_event(account_id, event_name, bucket, key) -> None:
        if (
            getattr(_in_multipart_completion, "active", False)
            and event_name == notifications.S3NotificationEvent.OBJECT_CREATED_PUT_EVENT
        ):
            return
        original_send_event(account_id, event_name, bucket, key)

    def _send_event_bridge_message(account_id, bucket, event_name, key) -> None:
        name = getattr(event_name, "value", event_name)
        if name not in _S3_REASONS:
            return original_bridge(account_id, bucket, event_name, key)
        try:
            detail_type = "Object Created" if name.startswith("s3:ObjectCreated") else "Object Deleted"
            event = _s3_eventbridge_event(account_id, bucket, name, key, detail_type)
            eventbridge.to_default_bus(account_id, bucket.region_name, event)
        except Exception:  # noqa: BLE001 - delivery is asynchronous on AWS: never fail the S3 call
            LOG.warning(
                "S3 event for s3://%s/%s not delivered to EventBridge", bucket.name, key.name, exc_info=True
            )

    original_complete = s3_models.S3Backend.complete_multipart_upload

    def complete_multipart_upload(self, *args, **kwargs):
        # Its own CompleteMultipartUpload event is not a Put, so it still goes out.
        _in_multipart_completion.active = True
        try:
            return original_complete(self, *args, **kwargs)
        finally:
            _in_multipart_completion.active = False

    notifications.send_event = send_event
    notifications._send_event_bridge_message = _send_event_bridge_message
    s3_models.S3Backend.complete_multipart_upload = complete_multipart_upload


# --- f. where the integrations call -----------------------------------------------------------------


def _fix_integration_endpoint() -> None:
    """moto 5.2.5: the interpreter's service integrations call `http://localhost:{MOTO_PORT}`.

    `moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for` reads MOTO_PORT when each
    client is built (call time, not import time) and defaults to 5000, and always uses the host name
    localhost. With `set_port(port)` the integrations target 127.0.0.1:port, the address our server
    binds, whatever localhost resolves to first; without it moto's behaviour is unchanged. moto's
    modules import the function by name, so the replacement is set on every loaded interpreter
    module that holds it and on the defining module (for modules imported later).

    The clients sign with a session of the state machine's role (the execution's role, or a
    Task's Credentials), so orchestration.local.iam evaluates every integration's call against
    that role's policies, as AWS does.

    The S3 client also sends CopySource as the state gave it, as Step Functions does: botocore
    would URL-encode a string CopySource first, so a state that passes a raw key (S3 requires it
    encoded: `%41` or `#` sent as is names another object or none) worked here and failed on AWS.
    """

    boto_client = importlib.import_module(f"{_SFN_PARSER}.asl.utils.boto_client")
    # Load every interpreter module that imports boto_client_for, so all hold the original now.
    importlib.import_module(f"{_SERVICE}.state_task_service_factory")
    importlib.import_module(f"{_SFN_PARSER}.asl.component.state.exec.state_task.lambda_eval_utils")
    importlib.import_module(
        f"{_SFN_PARSER}.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3"
    )
    importlib.import_module(
        f"{_SFN_PARSER}.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3"
    )
    original = boto_client.boto_client_for

    def boto_client_for(region: str, service: str, state_credentials: Any = None):

        if _port is None or botocore_stubber.enabled:
            return original(region=region, service=service, state_credentials=state_credentials)
        timeout = boto_client.TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS
        role = getattr(state_credentials, "role_arn", None)
        keys = iam.role_credentials(role, STATES_SESSION, region) if role else {}
        client = boto3.client(
            aws_access_key_id=keys.get("AWS_ACCESS_KEY_ID", "ak"),
            region_name=region,
            service_name=service,
            aws_secret_access_key=keys.get("AWS_SECRET_ACCESS_KEY", "sk"),  # pragma: allowlist secret
            aws_session_token=keys.get("AWS_SESSION_TOKEN"),
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=timeout,
                read_timeout=timeout,
            ),
            endpoint_url=f"http://127.0.0.1:{_port}",
        )
        if service == "s3":
            for operation in ("CopyObject", "UploadPartCopy"):
                client.meta.events.unregister(
                    f"before-parameter-build.s3.{operation}", handle_copy_source_param
                )
        return client

    for name, module in list(sys.modules.items()):
        if name.startswith(_SFN_PARSER) and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for


# --- g. aws-sdk error names --------------------------------------------------------------------------


def _fix_aws_sdk_error_names() -> None:
    """moto 5.2.5: aws-sdk S3 errors are named `s3.NoSuchKeyException` (AWS: `S3.NoSuchKeyException`).

    `StateTaskServiceAwsSdk` prefixes an aws-sdk error with the service's name in the AWS SDK for
    Java 2.x (Step Functions' naming: S3.NoSuchKeyException, DynamoDb.ConditionalCheckFailedException,
    Sfn.InvalidTokenException), but only knows dynamodb -> DynamoDb and sfn -> Sfn and falls back to
    the lower-case resource name, so `Catch: ["S3.NoSuchKeyException"]` never matches locally (the
    Cause says "Service: s3" too). The fix adds the names of the other services the project calls
    through aws-sdk. And where boto3 has no modelled error, S3's HeadObject of a missing key (a bare
    404, named "s3.s3Exception" by moto) is reported as S3.NoSuchKeyException, the exception the Java
    SDK raises for it.

    Left as it is: aws-sdk DynamoDB errors are "DynamoDb.*" (AWS's aws-sdk naming, as moto has it);
    the optimised `arn:aws:states:::dynamodb:*` integration reports "DynamoDB.*" on both.
    """
    sdk = importlib.import_module(f"{_SERVICE}.state_task_service_aws_sdk")
    sdk._SERVICE_ERROR_NAMES.update(
        {"s3": "S3", "glue": "Glue", "athena": "Athena", "sns": "Sns", "sqs": "Sqs", "lambda": "Lambda"}
    )

    cls = sdk.StateTaskServiceAwsSdk
    original = cls._normalise_exception_name

    def _normalise_exception_name(norm_service_name: str, ex: Exception) -> str:
        response = getattr(ex, "response", None) or {}
        if (
            norm_service_name == "S3"
            and getattr(ex, "operation_name", None) == "HeadObject"
            and response.get("Error", {}).get("Code") in ("404", "NoSuchKey")
        ):
            return "S3.NoSuchKeyException"
        return original(norm_service_name, ex)

    cls._normalise_exception_name = staticmethod(_normalise_exception_name)


# --- h. Athena errors ---------------------------------------------------------------------------------

_UNSUPPORTED_SERVICE_ERROR_NAMES = {"athena": ("Athena", "AmazonAthena")}


def _fix_athena_error_names() -> None:
    """moto 5.2.5: an error from an `arn:aws:states:::athena:*` call surfaces as States.Runtime.

    Athena is an "unsupported optimised integration" in moto's interpreter
    (`StateTaskServiceUnsupported`): the call is forwarded, but a ClientError the service answers has
    no error mapping there, so it becomes States.Runtime with the botocore message as Cause, and a
    Retry/Catch on `Athena.TooManyRequestsException`, `Athena.InvalidRequestException`, ... never
    matches locally. Step Functions' optimised integrations name such an error `<Service>.<Code>`
    with a Cause of the form "<message> (Service: Amazon<Service>; Status Code: ...; Error Code: ...;
    Request ID: ...; Proxy: null)", which is what moto's own optimised DynamoDB integration does too.
    The fix gives the unsupported integration that mapping for Athena; other errors keep moto's.
    """
    api = importlib.import_module(f"{_SFN_PARSER}.api")
    custom = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.custom_error_name")
    failure = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.failure_event")
    details = importlib.import_module(f"{_SFN_PARSER}.asl.eval.event.event_detail")
    unsupported = importlib.import_module(f"{_SERVICE}.state_task_service_unsupported")

    cls = unsupported.StateTaskServiceUnsupported
    original = cls._from_error

    def _from_error(self, env, ex):
        names = _UNSUPPORTED_SERVICE_ERROR_NAMES.get(self._get_boto_service_name())
        if names is None or not isinstance(ex, ClientError):
            return original(self, env, ex)
        prefix, service = names
        code = ex.response["Error"]["Code"]
        metadata = ex.response.get("ResponseMetadata", {})
        error = f"{prefix}.{code}"
        cause = (
            f"{ex.response['Error'].get('Message', '')} (Service: {service}; "
            f"Status Code: {metadata.get('HTTPStatusCode')}; Error Code: {code}; "
            f"Request ID: {metadata.get('RequestId')}; Proxy: null)"
        )
        return failure.FailureEvent(
            env=env,
            error_name=custom.CustomErrorName(error),
            event_type=api.HistoryEventType.TaskFailed,
            event_details=details.EventDetails(
                taskFailedEventDetails=api.TaskFailedEventDetails(
                    error=error,
                    cause=cause,
                    resource=self._get_sfn_resource(),
                    resourceType=self._get_sfn_resource_type(),
                )
            ),
        )

    cls._from_error = _from_error


# --- j. aws-sdk parameter and result casing ------------------------------------------------------


def _fix_aws_sdk_casing() -> None:
    """AWS SDK integrations take and return PascalCase members whatever the API's own casing
    (`sfn:describeExecution` takes `ExecutionArn` and returns `Status`, where the API says
    `executionArn` and `status`). moto's interpreter kept LocalStack's hooks for this but left them
    empty, so a camelCase API fails with KeyError and its results cannot be selected. Map both
    ways through botocore's model of the operation, as LocalStack does."""
    module = importlib.import_module(f"{_SERVICE}.state_task_service_aws_sdk")
    cls = module.StateTaskServiceAwsSdk
    models: dict = {}

    def operation(self):
        service = self._get_boto_service_name()
        if service not in models:
            models[service] = botocore.session.get_session().get_service_model(service)
        action = self.resource.api_action
        return models[service].operation_model(action[:1].upper() + action[1:])

    def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
        shape = operation(self).input_shape
        if shape is not None:
            self._to_boto_request(parameters, shape)

    def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
        shape = operation(self).output_shape
        if shape is not None:
            self._from_boto_response(response, shape)

    cls._normalise_parameters = _normalise_parameters
    cls._normalise_response = _normalise_response


# --- k. SSE-KMS objects read through S3A over plain HTTP ------------------------------------------


def _fix_kms_key_id_header() -> None:
    """Spark's S3A client (AWS SDK v1) copies an object's SSE-KMS key id into the request of every
    rename's copy, and SDK v1 refuses to send SSE-KMS parameters over plain HTTP: every Delta
    commit through S3A against the local endpoint then retries forever. The local S3 keeps the
    objects' encryption (bucket default SSE-KMS, as the template says) and reports the algorithm,
    but not the key id, so the copy inherits the bucket default, which is the same key."""
    original = FakeKey.response_dict

    def response_dict(self):
        result = original.fget(self)
        result.pop("x-amz-server-side-encryption-aws-kms-key-id", None)
        return result

    FakeKey.response_dict = property(response_dict)


# --- l. JSONPath: a definite path selects one value --------------------------------------------


def _definite_extract_json(path, data):  # runs with moto's json_path module as its globals
    matches = parse(path).find(data)  # noqa: F821 (json_path's own import)
    if not matches:
        if _contains_slice_or_wildcard_array(path):  # noqa: F821
            return []
        raise NoSuchJsonPathError(json_path=path, data=data)  # noqa: F821
    if len(matches) == 1 and not re.search(r"\[\s*(\*|\?|-?\d*\s*:)|\.\.|\.\*", path):  # noqa: F821
        return matches[0].value
    return [match.value for match in matches]


def _fix_definite_json_paths() -> None:
    """moto returns a list for any path whose match sits inside an array element (its fix for moto
    issue 7825), so `$.ResultSet.Rows[1].Data[0].VarCharValue` gives ["0"] where Step Functions
    gives "0". A path without wildcard, slice, filter or descent selects one value; the others a
    list. The function object is kept (many modules imported it by name): only its code changes."""
    module = importlib.import_module(f"{_SFN_PARSER}.asl.utils.json_path")
    module.extract_json.__code__ = _definite_extract_json.__code__
