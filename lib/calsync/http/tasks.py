"""The machine-called entry points: `webhooks` (Google push), `worker` (Cloud Tasks) and
`fanout` (Cloud Scheduler).

The worker answers 200 when the job is done, skipped, or failed for good (the failure is
recorded on the account, retrying would not help). A job to be retried gets a status by its
outcome alone, always with `Retry-After`:

- 429 for `busy`: another job holds the account's lease, so this request came too soon; it is
  normal operation (overlapping requests for one account), not a failure, so it stays out of
  the 5xx error rate. Retry-After: when the lease should be free (at most a second or so).
- 503 for `retry`: the job could not finish because something it depends on failed or
  throttled (Google 5xx or rate limits, the network, storage contention): calsync was
  unavailable for this account. Retry-After: the engine's back-off for the account, never
  shorter than a wait Google asked for.

Cloud Tasks retries both (with a higher back-off for 429 and 503, and honours Retry-After).
"""

from __future__ import annotations

import math

from werkzeug.wrappers import Response

from calsync.http.app import Call, EntryPoint, Route, json_response, read_body
from calsync.sync.jobs import JobOutcome, JobResult

DEFAULT_RETRY_AFTER = 10


def google_notification(call: Call) -> Response:
    read_body(call.request, call.services.settings.max_body_bytes)  # none expected; bounded
    headers = call.request.headers
    notice = call.services.webhooks.notify(
        headers.get("X-Goog-Channel-ID"),
        headers.get("X-Goog-Channel-Token"),
        headers.get("X-Goog-Resource-State"),
    )
    return json_response({"result": notice.value})


RETRY_STATUS = {JobOutcome.BUSY: 429, JobOutcome.RETRY: 503}


def job_response(result: JobResult) -> Response:
    body = {"outcome": result.outcome.value, "detail": result.detail}
    status = RETRY_STATUS.get(result.outcome)
    if status is None:
        return json_response(body)
    seconds = result.retry_after if result.retry_after is not None else DEFAULT_RETRY_AFTER
    return json_response(body, status, {"Retry-After": str(max(1, math.ceil(seconds)))})


def run_job(call: Call) -> Response:
    settings = call.services.settings
    call.caller(settings.task_audience(settings.worker_url))
    body = call.body()
    return job_response(call.services.worker.run(body.get("account_id"), body.get("pull", True)))


def tick(call: Call) -> Response:
    settings = call.services.settings
    call.caller(settings.task_audience(settings.fanout_url))
    return json_response(call.services.fanout.tick().as_dict())


WEBHOOKS = EntryPoint("webhooks", [Route("/webhooks/google", ("POST",), google_notification)])
WORKER = EntryPoint("worker", [Route("/worker", ("POST",), run_job)])
FANOUT = EntryPoint("fanout", [Route("/fanout", ("POST",), tick)])
