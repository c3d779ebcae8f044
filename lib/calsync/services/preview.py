"""The private-event preview: how an event marked private in the calendar appears, for each
choice of the "private events" option, in the calendar itself, to its owner in the CRM, and to
everyone else in the CRM. The sample is a doctor's appointment, as in the options dialog."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from calsync.domain.account import PrivateEvents

SAMPLE_TITLE = "Doctor's appointment"
BUSY_TITLE = "Busy"  # what others see of an activity whose details they may not see


class Appearance(BaseModel):
    """How the sample event looks to one audience."""

    model_config = ConfigDict(frozen=True)

    shown: bool  # it appears at all
    blocks_time: bool  # the time shows as taken
    title: str | None  # the title this audience reads (None when not shown)
    details: bool  # description, location and guests visible
    explanation: str


class PrivateEventPreview(BaseModel):
    """The three views of one private event for one option."""

    model_config = ConfigDict(frozen=True)

    option: PrivateEvents
    calendar: Appearance
    owner: Appearance
    others: Appearance


_IN_CALENDAR = Appearance(
    shown=True,
    blocks_time=True,
    title=SAMPLE_TITLE,
    details=True,
    explanation=(
        "In your calendar the event stays as it is: private, with its details for you only; "
        "calsync never changes that."
    ),
)

_NOT_SYNCED = Appearance(
    shown=False,
    blocks_time=False,
    title=None,
    details=False,
    explanation=(
        "Private events are not brought into the CRM, so their time is not blocked there "
        "(you may block such time by hand)."
    ),
)


def _full(audience: str) -> Appearance:
    return Appearance(
        shown=True,
        blocks_time=True,
        title=SAMPLE_TITLE,
        details=True,
        explanation=f"{audience} the activity with all its details.",
    )


def private_event_preview(option: PrivateEvents) -> PrivateEventPreview:
    """The preview for `option`."""
    if option is PrivateEvents.SKIP:
        owner = others = _NOT_SYNCED
    elif option is PrivateEvents.EVERYONE:
        owner, others = _full("You see"), _full("Everyone in the CRM sees")
    else:
        owner = _full("You see")
        others = Appearance(
            shown=True,
            blocks_time=True,
            title=BUSY_TITLE,
            details=False,
            explanation="Others see that you are busy at that time, without any details.",
        )
    return PrivateEventPreview(option=option, calendar=_IN_CALENDAR, owner=owner, others=others)
