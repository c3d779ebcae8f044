"""The machine-called entry points: `webhooks` (Google push), `worker` (Cloud Tasks) and
`fanout` (Cloud Scheduler).

The worker answers 200 when the job is done, skipped, or failed for good (the failure is
recorded on the account, retrying would not help); 503 with `Retry-After` when the account is
busy or the job should be retried, and 429 when the job asked to come back after a given time
(rate limits). Cloud Tasks retries every non-2xx answer with its back-off.
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


def job_response(result: JobResult) -> Response:
    body = {"outcome": result.outcome.value, "detail": result.detail}
    if not result.should_retry:
        return json_response(body)
    seconds = result.retry_after if result.retry_after is not None else DEFAULT_RETRY_AFTER
    headers = {"Retry-After": str(max(1, math.ceil(seconds)))}
    rate_limited = result.outcome is JobOutcome.RETRY and result.retry_after is not None
    return json_response(body, 429 if rate_limited else 503, headers)


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
