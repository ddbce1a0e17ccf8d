"""S3 conditional writes, atomic as on AWS: a PutObject with `If-None-Match: *` succeeds only when
no object has the key, and of two such writes to one key at once exactly one succeeds (the other
gets 412 PreconditionFailed). The jobs' Delta log store commits this way (logstore/).

moto checks the condition and then stores the object as two steps, and its server answers
requests on many threads, so two conditional writes could both pass the check and both succeed:
two Delta commits with one version number, one of them silently lost. This module makes the check
and the store one step per bucket and key (for `If-Match` too)."""

from __future__ import annotations

import threading
from collections import defaultdict

from moto.s3 import responses as s3_responses

_locks: defaultdict[tuple[str, str], threading.Lock] = defaultdict(threading.Lock)
_locks_lock = threading.Lock()
_installed = False


def _key_lock(bucket: str, key: str) -> threading.Lock:
    with _locks_lock:
        return _locks[(bucket, key)]


def _put_object(original):
    def put_object(self):
        if "If-None-Match" not in self.headers and "If-Match" not in self.headers:
            return original(self)
        with _key_lock(self.bucket_name, self.parse_key_name()):
            return original(self)

    return put_object


def install() -> None:
    """Patch moto's S3 PutObject (idempotent; before the server starts)."""
    global _installed
    if _installed:
        return
    s3_responses.S3Response.put_object = _put_object(s3_responses.S3Response.put_object)
    _installed = True
