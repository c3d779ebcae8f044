"""The local stack's seed data: one company, two users, and the items activities link to.

`seed(storage)` writes the company `acme` (idempotent: fixed ids, so re-seeding a persistent
emulator rewrites the same documents). `seed_company(...)` writes the same shape under any
company id and e-mails, which the end-to-end tests use to give every test a company of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from calsync.domain.activity import ActivityType, LinkedItem, LinkedItemKind, User
from calsync.ports import Storage

COMPANY_ID = "acme"
CUSTOM_TYPE = ActivityType(key="site_visit", name="Site visit")


@dataclass(frozen=True)
class Company:
    """A seeded company: its users (first the main one) and linked items by name."""

    id: str
    users: tuple[User, ...]
    items: dict[str, LinkedItem]

    @property
    def main(self) -> User:
        return self.users[0]

    @property
    def colleague(self) -> User:
        return self.users[1]

    def user(self, email: str) -> User:
        for user in self.users:
            if user.email == email.strip().lower():
                return user
        known = ", ".join(user.email for user in self.users)
        raise LookupError(f"no seeded user {email!r} (seeded: {known})")


def users_of(company_id: str, people: dict[str, str]) -> tuple[User, ...]:
    """Users `u-<local part>` of the company from `{email: name}`."""
    return tuple(
        User(id=f"u-{email.split('@')[0]}", company_id=company_id, email=email, name=name)
        for email, name in people.items()
    )


SEEDED = users_of(COMPANY_ID, {"demo@example.com": "Demo User", "bob@example.com": "Bob Builder"})


def _items(company_id: str, main: User, colleague: User) -> dict[str, LinkedItem]:
    def item(
        kind: LinkedItemKind, item_id: str, name: str, owner: User, **more: object
    ) -> LinkedItem:
        return LinkedItem.model_validate(
            {
                "kind": kind,
                "id": item_id,
                "company_id": company_id,
                "name": name,
                "owner_id": owner.id,
                **more,
            }
        )

    org, person, deal = LinkedItemKind.ORGANIZATION, LinkedItemKind.PERSON, LinkedItemKind.DEAL
    return {
        "globex": item(org, "org-globex", "Globex Corporation", main),
        "initech": item(org, "org-initech", "Initech", colleague),
        "hank": item(
            person,
            "person-hank",
            "Hank Scorpio",
            main,
            email="hank@globex.example",
            organization_id="org-globex",
        ),
        "peter": item(
            person,
            "person-peter",
            "Peter Gibbons",
            colleague,
            email="peter@initech.example",
            organization_id="org-initech",
        ),
        "renewal": item(
            deal,
            "deal-renewal",
            "Globex renewal",
            main,
            organization_id="org-globex",
            value="12,000 EUR",
        ),
        "upgrade": item(
            deal,
            "deal-upgrade",
            "Initech upgrade",
            colleague,
            organization_id="org-initech",
            value="4,500 EUR",
        ),
        # Visible to its owner only: activities linked to it show as busy blocks to others.
        "merger": item(
            deal,
            "deal-merger",
            "Confidential merger",
            main,
            organization_id="org-globex",
            value="2,000,000 EUR",
            visible_to_everyone=False,
        ),
    }


def seed_company(storage: Storage, company_id: str, users: tuple[User, ...]) -> Company:
    """Write a company's users, custom activity type and linked items; returns what it wrote."""
    company = Company(company_id, users, _items(company_id, users[0], users[1]))
    session = storage.session()
    for user in users:
        session.directory.put_user(user)
    session.directory.put_activity_type(company_id, CUSTOM_TYPE)
    for linked in company.items.values():
        session.directory.put_linked_item(linked)
    return company


def seed(storage: Storage) -> Company:
    """The local stack's company: demo@example.com and bob@example.com at `acme`."""
    return seed_company(storage, COMPANY_ID, SEEDED)


def seeded_user(email: str) -> User:
    """A user of the local stack's company, by e-mail (LookupError naming the known ones)."""
    return Company(COMPANY_ID, SEEDED, {}).user(email)
