"""Who sees what of an activity in the CRM (the read side of the visibility options).

An activity's details (subject, place, description, attendees, linked items) are shown to a
user other than its owner only if it is visible to everyone *and* that user can see every item
it links to; otherwise they see the time as busy, without details. The owner always sees all.
"""

from __future__ import annotations

from collections.abc import Iterable

from calsync.domain.activity import Activity, LinkedItem, Visibility


def can_see_details(activity: Activity, viewer_id: str, linked: Iterable[LinkedItem]) -> bool:
    """Whether `viewer_id` may see the details of `activity`, given the items it links to."""
    if viewer_id == activity.owner_id:
        return True
    if activity.visibility is Visibility.ONLY_ME:
        return False
    items = {(item.kind, item.id): item for item in linked}
    for kind, item_id in activity.linked_item_ids.items():
        item = items.get((kind, item_id))
        if item is None:
            return False  # an item we cannot find is an item we cannot show
        if not item.visible_to_everyone and item.owner_id != viewer_id:
            return False
    return True
