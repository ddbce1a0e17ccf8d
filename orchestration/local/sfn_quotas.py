"""Step Functions quotas and terminal errors that moto 5.2.5 does not enforce, enforced as AWS does.

`install()` patches moto's ASL interpreter in this process (idempotent; `moto_fixes.install()` calls
it). Each rule is one private function, covered by tests/orchestration/local/test_sfn_quotas.py,
which fails without it:

- **Terminal errors**: on AWS `States.ALL` matches neither `States.DataLimitExceeded` nor
  `States.Runtime`, in a Catch or a Retry: the execution fails without running the catcher (so an
  alert state behind it never runs). moto matches every error with States.ALL.
- **256 KB per state result**: moto checks a Task's result and every state's output, but not the
  result a Map or Parallel state gathers from its iterations or branches. On AWS that result is
  subject to the same payload quota even when ResultPath discards it.
- **A Distributed Map's failed children fail the Map**: with no ToleratedFailureCount or
  ToleratedFailurePercentage (or past them), a failed child execution fails the Map with
  `States.ExceedToleratedFailureThreshold`, which a Catch can take. moto counts the failure and
  lets the Map succeed.
- **25,000 history events per execution**: moto keeps any number. On AWS an execution whose
  history reaches the quota fails. A Distributed Map's child executions have histories of their
  own (moto gives them their own event manager too), so they count apart. AWS does not document the
  error name of that failure; here it is `States.Runtime` with a cause naming the quota.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

MAX_HISTORY_EVENTS = 25_000
TERMINAL_ERRORS = ("States.DataLimitExceeded", "States.Runtime")

_SFN_PARSER = "moto.stepfunctions.parser"
_lock = threading.Lock()
_events_lock = threading.RLock()
_installed = False


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _terminal_errors_are_not_caught()
        _map_and_parallel_results_within_payload_quota()
        _distributed_map_failures_fail_the_map()
        _history_within_event_quota()
        _installed = True


def _terminal_errors_are_not_caught() -> None:
    """States.ALL in ErrorEquals no longer matches States.DataLimitExceeded or States.Runtime; a
    Catch or Retry naming them explicitly is not valid ASL on AWS either, so nothing else changes."""
    module = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.error_equals_decl")
    decl = module.ErrorEqualsDecl
    original = decl._eval_body

    def _eval_body(self, env) -> None:
        error_name = env.stack[-1]
        if getattr(error_name, "error_name", None) in TERMINAL_ERRORS:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    decl._eval_body = _eval_body


def _state_error(env, error_type, cause: str):
    """A FailureEventException for the state being evaluated, as moto raises its own."""
    api = importlib.import_module(f"{_SFN_PARSER}.api")
    failure = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.failure_event")
    names = importlib.import_module(f"{_SFN_PARSER}.asl.component.common.error_name.states_error_name")
    details = importlib.import_module(f"{_SFN_PARSER}.asl.eval.event.event_detail")
    return failure.FailureEventException(
        failure_event=failure.FailureEvent(
            env=env,
            error_name=names.StatesErrorName(typ=error_type),
            event_type=api.HistoryEventType.TaskFailed,
            event_details=details.EventDetails(
                executionFailedEventDetails=api.ExecutionFailedEventDetails(
                    error=error_type.to_name(), cause=cause
                )
            ),
        )
    )


def _error_type(name: str):
    module = f"{_SFN_PARSER}.asl.component.common.error_name.states_error_name_type"
    return getattr(importlib.import_module(module).StatesErrorNameType, name)


def _distributed_map_failures_fail_the_map() -> None:
    """After a Map Run's children ended: more failed items than tolerated (both thresholds 0 by
    default) fail the Map with States.ExceedToleratedFailureThreshold."""
    module = f"{_SFN_PARSER}.asl.component.state.exec.state_map.iteration.distributed_iteration_component"
    component = importlib.import_module(module).DistributedIterationComponent
    original = component._map_run

    def _map_run(self, env, eval_input) -> None:
        original(self, env, eval_input)
        record = eval_input.map_run_record
        failed, total = record.item_counter.failed.get(), record.item_counter.total.get()
        over_count = failed > (record.tolerated_failure_count or 0)
        over_share = failed * 100 > (record.tolerated_failure_percentage or 0) * max(total, 1)
        if failed and over_count and over_share:
            cause = f"The Map Run failed: {failed} of {total} items failed, more than tolerated."
            raise _state_error(env, _error_type("StatesExceedToleratedFailureThreshold"), cause)

    component._map_run = _map_run


def _map_and_parallel_results_within_payload_quota() -> None:
    """After a Map's iterations (a Parallel's branches) end, the gathered result on top of the stack
    is measured as UTF-8 JSON, before ResultSelector and ResultPath."""
    quotas = importlib.import_module(f"{_SFN_PARSER}.quotas")
    state_map = importlib.import_module(f"{_SFN_PARSER}.asl.component.state.exec.state_map.state_map")
    state_parallel = importlib.import_module(
        f"{_SFN_PARSER}.asl.component.state.exec.state_parallel.state_parallel"
    )

    def checked(original):
        def _eval_execution(self, env) -> None:
            original(self, env)
            if env.stack and not quotas.is_within_size_quota(env.stack[-1]):
                cause = (
                    f"The state '{self.name}' produced a result with a size exceeding the maximum "
                    f"number of bytes service limit ({quotas.MAX_STATE_SIZE_UTF8_BYTES} bytes)."
                )
                raise _state_error(env, _error_type("StatesStatesDataLimitExceeded"), cause)

        return _eval_execution

    for cls in (state_map.StateMap, state_parallel.StateParallel):
        cls._eval_execution = checked(cls._eval_execution)


def _history_within_event_quota() -> None:
    """When an execution's history passes MAX_HISTORY_EVENTS, the execution's root environment is
    set to FAILED (States.Runtime, a cause naming the quota), as StopExecution would stop it: running
    iterations and branches end, no further state starts, and ExecutionFailed closes the history.
    The events are counted per event manager; each execution's root environment owns one (frames
    share it), and a Distributed Map's children get one of their own without a root: not counted."""
    api = importlib.import_module(f"{_SFN_PARSER}.api")
    environment = importlib.import_module(f"{_SFN_PARSER}.asl.eval.environment").Environment
    manager = importlib.import_module(f"{_SFN_PARSER}.asl.eval.event.event_manager").EventManager
    original_init, original_add, original_set_error = (
        environment.__init__,
        manager.add_event,
        environment.set_error,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.event_manager._quota_root = self  # frames replace theirs with the root's

    def add_event(self, context, event_type, *args: Any, **kwargs: Any) -> int:
        root, trip = getattr(self, "_quota_root", None), False
        with _events_lock:  # the check and the add as one step, whichever thread adds
            quota = getattr(self, "_quota_state", None)
            if quota == "closed" or (quota == "full" and event_type != api.HistoryEventType.ExecutionFailed):
                # Iterations still winding down after the failure: AWS records nothing after it.
                return context.last_published_event_id
            event_id = original_add(self, context, event_type, *args, **kwargs)
            if quota == "full":
                self._quota_state = "closed"
            elif event_id >= MAX_HISTORY_EVENTS - 1 and root is not None:
                self._quota_state, trip = "full", True  # one event left: the ExecutionFailed
                cause = f"The execution's history reached the quota of {MAX_HISTORY_EVENTS} events."
                root._quota_error = api.ExecutionFailedEventDetails(error="States.Runtime", cause=cause)
        if trip:  # outside the lock: set_error takes the environments' own locks
            root.set_error(root._quota_error)
        return event_id

    def set_error(self, error) -> None:
        # A state interrupted by the failure may report an error of its own after it: the quota's
        # error stays the execution's.
        original_set_error(self, getattr(self, "_quota_error", None) or error)

    environment.__init__ = __init__
    environment.set_error = set_error
    manager.add_event = add_event
