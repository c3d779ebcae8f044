"""The pacer keeps an account's Calendar requests under a per-minute rate."""

from __future__ import annotations

import pytest
from calsync.providers.google_errors import RetryPolicy, call
from calsync.providers.google_pacing import Pacer


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_burst_goes_at_once_then_requests_follow_the_rate() -> None:
    time = Time()
    pacer = Pacer(60, burst=5, clock=time.clock, sleep=time.sleep)  # one a second
    for _ in range(5):
        pacer()
    assert time.now == 0
    pacer()
    assert time.now == pytest.approx(1.0)
    for _ in range(10):
        pacer()
    assert time.now == pytest.approx(11.0)


def test_a_batch_spends_one_unit_per_call_and_the_average_rate_holds() -> None:
    time = Time()
    pacer = Pacer(300, burst=50, clock=time.clock, sleep=time.sleep)  # five a second
    for _ in range(10):
        pacer(50)
    # 500 calls at 5/s with 50 saved up: 450 / 5 = 90 s, however they are grouped
    assert time.now == pytest.approx(90.0)


def test_idle_time_refills_the_bucket_up_to_the_burst_only() -> None:
    time = Time()
    pacer = Pacer(60, burst=3, clock=time.clock, sleep=time.sleep)
    time.now = 1_000.0
    for _ in range(3):
        pacer()
    assert time.now == 1_000.0
    pacer()
    assert time.now == pytest.approx(1_001.0)


def test_every_attempt_of_a_call_is_paced() -> None:
    spent: list[int] = []
    attempts = iter([ConnectionResetError("reset"), "ok"])

    def send() -> str:
        outcome = next(attempts)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    policy = RetryPolicy(base=0.0, sleep=lambda _: None)
    assert call(policy, "events.list", send, pace=spent.append, units=7) == "ok"
    assert spent == [7, 7]


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


def test_a_pacer_goes_on_from_the_tokens_the_last_job_left() -> None:
    time = Time()
    pacer = Pacer(60, burst=5, tokens=1.5, clock=time.clock, sleep=time.sleep)
    pacer()
    assert time.now == 0
    assert pacer.left() == pytest.approx(0.5)
    pacer()  # half a token short: half a second
    assert time.now == pytest.approx(0.5)
    assert Pacer(60, burst=5, tokens=80.0).left() == pytest.approx(5.0)  # never over the burst
    in_debt = Pacer(60, burst=5, tokens=-2.0, clock=time.clock, sleep=time.sleep)
    in_debt()
    assert time.now == pytest.approx(0.5 + 3.0)  # the debt first, then its own token
