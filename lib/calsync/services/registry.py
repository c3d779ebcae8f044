"""`Services`: every use case and verifier one process serves, built over one ServiceContext."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from calsync.auth.bearer import CallerVerifier, UserVerifier
from calsync.config import Settings
from calsync.ports import OAuthClient
from calsync.services.accounts import AccountService
from calsync.services.activities import ActivityService
from calsync.services.channels import Channels
from calsync.services.common import ServiceContext
from calsync.services.confirm import ConfirmService
from calsync.services.connect import ConnectService
from calsync.services.fanout import FanoutService
from calsync.services.lifecycle import LifecycleService
from calsync.services.settings import SettingsRules, SettingsService
from calsync.services.webhook import WebhookService
from calsync.services.worker import RunJob, WorkerService


@dataclass(frozen=True)
class Services:
    """What the HTTP layer dispatches to."""

    settings: Settings
    context: ServiceContext
    users: UserVerifier  # CRM bearer tokens
    callers: CallerVerifier  # Cloud Tasks / Cloud Scheduler OIDC tokens
    connect: ConnectService
    confirm: ConfirmService
    accounts: AccountService
    account_settings: SettingsService
    lifecycle: LifecycleService
    activities: ActivityService
    webhooks: WebhookService
    worker: WorkerService
    fanout: FanoutService


def build_services(
    ctx: ServiceContext,
    *,
    oauth: OAuthClient,
    users: UserVerifier,
    callers: CallerVerifier,
    run_job: Callable[[], RunJob],
) -> Services:
    """Every service over `ctx`; `run_job` gives the sync job callable on first use."""
    channels = Channels(ctx)
    rules = SettingsRules(ctx)
    confirm = ConfirmService(ctx, oauth)
    return Services(
        settings=ctx.settings,
        context=ctx,
        users=users,
        callers=callers,
        connect=ConnectService(ctx, oauth, confirm),
        confirm=confirm,
        accounts=AccountService(ctx),
        account_settings=SettingsService(ctx, rules, channels),
        lifecycle=LifecycleService(ctx, rules, channels, oauth),
        activities=ActivityService(ctx),
        webhooks=WebhookService(ctx),
        worker=WorkerService(run_job),
        fanout=FanoutService(ctx, channels, confirm),
    )
