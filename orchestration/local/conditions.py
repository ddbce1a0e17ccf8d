"""IAM policy conditions on the local AWS runtime, evaluated as IAM evaluates them against a
request's context (a dict of condition keys to a value or a list of values; keys are matched
case-insensitively, values case-sensitively unless the operator ignores case).

- Every operator of a Condition block must hold, every key of an operator must hold, and a key
  holds when any of the policy's values matches (for a negated operator: when none does).
- A key missing from the context: a positive operator does not hold, a negated one (StringNotEquals,
  StringNotLike, ArnNotEquals, ArnNotLike) holds; `...IfExists` holds; `Null` tests its absence.
- A multi-valued key needs a set operator: `ForAnyValue:` holds when any context value matches
  (not when the key is missing), `ForAllValues:` when every one does (also when it is missing).

Operators: String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals, Arn(Not)Like, Bool and
Null. Any other (numeric, date, IP address, binary) is `UNKNOWN`: the caller decides, and IAM's
callers here read it the strict way (an Allow with it does not apply, a Deny with it does)."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

UNKNOWN = None  # the condition uses an operator this module does not evaluate

_TESTS = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringLike": fnmatchcase,
    "ArnEquals": lambda actual, expected: actual == expected,
    "ArnLike": fnmatchcase,
    "Bool": lambda actual, expected: actual.lower() == expected.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _key_holds(operator: str, actual: list[str] | None, expected: list[str]) -> bool | None:
    """Whether one key of one operator holds; UNKNOWN for an operator not evaluated here."""
    qualifier, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator == "Null":
        return (actual is None) == (expected[0].lower() == "true")
    negated = operator in _NEGATED
    test = _TESTS.get(_NEGATED.get(operator, operator))
    if test is None or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return UNKNOWN
    if actual is None:
        return if_exists or negated or qualifier == "ForAllValues"

    def matches(value: str) -> bool:
        found = any(test(value, wanted) for wanted in expected)
        return not found if negated else found

    if qualifier == "ForAllValues":
        return all(matches(value) for value in actual)
    if qualifier == "ForAnyValue" or len(actual) == 1:
        return any(matches(value) for value in actual)
    return UNKNOWN  # a multi-valued key without a set operator: IAM's result depends on the key


def holds(condition: dict | None, context: dict[str, Any]) -> bool | None:
    """Whether a statement's Condition holds in `context`: True, False, or UNKNOWN when it uses an
    operator not evaluated here (and no evaluated part already makes it False)."""
    lowered = {key.lower(): [str(v) for v in listed(value)] for key, value in context.items()}
    result: bool | None = True
    for operator, tests in (condition or {}).items():
        for key, expected in tests.items():
            verdict = _key_holds(operator, lowered.get(key.lower()), [str(v) for v in listed(expected)])
            if verdict is False:
                return False
            if verdict is UNKNOWN:
                result = UNKNOWN
    return result


def applies(statement: dict, context: dict[str, Any]) -> bool:
    """Whether a statement's Condition makes it apply, read the strict way: an Allow applies only
    when it surely holds, a Deny whenever it may."""
    verdict = holds(statement.get("Condition"), context)
    return verdict is not False if statement.get("Effect") == "Deny" else verdict is True
