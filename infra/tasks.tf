# The sync queue: one named HTTP task per job request, POSTed to the worker with an OIDC token
# of the tasks service account (lib/calsync/tasks/cloud_tasks.py; the functions find it in
# CALSYNC_TASKS_QUEUE).
#
# Sizing against Google Calendar's quotas (per minute: 600 requests per user, 10,000 per
# project; a call inside a batch counts as one request). tests/infra/test_infra_quotas.py
# checks every sum below against these locals and the code's own settings.
#
# - Per user. Only a sync job calls Google for an account in volume, and an account has at
#   most one job running: the job holds the account's lease (a second one answers "busy" and
#   is retried later), and requests for the same account within the coalescing window share
#   one task name, so a burst of notifications and CRM edits makes one task. An account's
#   jobs spend local.job_requests_per_minute: every function gets it as
#   CALSYNC_GOOGLE_REQUESTS_PER_MINUTE (functions.tf), and the Google adapter paces them with
#   a token bucket (50 saved at most) that each job takes over from the last (kept on the
#   account), so a minute sees at most 300 + 50 + one batch of 50 in debt = 400 of them, however
#   many jobs it holds. The other 200 of the per-user quota are for the account's
#   interactive calls (the accounts function: calendar list, a new calendar, a channel opened
#   or stopped) and its channel renewals (2 requests every 6 days).
# - Per project, a minute, sustained (a moment's peak of many saved-up budgets spent at once
#   gets Google's 429, retried with back-off):
#     jobs:      local.sync_max_concurrent jobs at once x 300       = 7,500
#     renewals:  the fan-out renews each account's channel once per  =     3
#                7-day life, within its last day, so about every 6 days: events.watch +
#                channels.stop = 2 requests; 10,000 accounts x 2 / (6 x 1,440 minutes) = 2.3
#     left:      for the interactive calls of the accounts function  = 2,497
#   Renewals bunch up only if many accounts connected together (their channels then expire
#   together); one tick renews at most local.channel_renewals_per_tick of them, soonest to
#   expire first, so such a minute spends at most 7,500 + 500 x 2 = 8,500 requests, and the
#   rest follow in the next ticks (a channel has a day of overlap; 500 a minute renew 720,000
#   channels in that day). A 429 all the same is retried: the renewal the next tick, a job
#   with back-off.
#   Dispatches start at most 20 per second (1,200 a minute): enough to poll 10,000 accounts
#   every 15 minutes (667 jobs a minute) with room for change-driven jobs; an idle job is one
#   request.
# - Rate-limited anyway (another app of the same user, a burst): the worker answers 429 and
#   the queue retries with back-off; whatever still fails is picked up by the fan-out tick.
locals {
  calendar_requests_per_user_per_minute    = 600
  calendar_requests_per_project_per_minute = 10000
  job_requests_per_minute                  = 300
  sync_max_concurrent                      = 25
  sync_dispatches_per_second               = 20
  sized_for_accounts                       = 10000
  channel_renewal_requests_per_minute      = 3
  channel_renewals_per_tick                = 500
}

resource "google_cloud_tasks_queue" "sync" {
  name     = "calsync-sync"
  location = var.region

  rate_limits {
    max_dispatches_per_second = local.sync_dispatches_per_second
    max_concurrent_dispatches = local.sync_max_concurrent
  }

  # Jobs are idempotent. "Busy" retries come quickly (5 s, doubling to at most 5 minutes);
  # a task is dropped only after 10 attempts and an hour, by which time the fan-out tick has
  # asked for a fresh job of the account anyway (every poll interval), so nothing is lost.
  retry_config {
    max_attempts       = 10
    max_retry_duration = "3600s"
    min_backoff        = "5s"
    max_backoff        = "300s"
    max_doublings      = 6
  }

  stackdriver_logging_config {
    sampling_ratio = 0.1
  }

  depends_on = [google_project_service.enabled]
}
