"""The Firestore repositories of small records and reference data: credentials, push channels,
pending authorizations, and the CRM directory (users, activity types, linked items)."""

from __future__ import annotations

from google.cloud.firestore import DocumentReference, FieldFilter

from calsync.domain.activity import (
    ActivityType,
    LinkedItem,
    LinkedItemKind,
    User,
    default_activity_types,
)
from calsync.domain.link import ChannelRoute, OAuthState
from calsync.errors import StorageError
from calsync.store.firestore_access import (
    ACTIVITY_TYPES,
    CHANNELS,
    COMPANIES,
    CREDENTIALS,
    LINKED_ITEMS,
    OAUTH_STATES,
    USERS,
    doc_id,
)
from calsync.store.firestore_codec import (
    ACTIVITY_TYPE,
    CHANNEL_ROUTE,
    LINKED_ITEM,
    OAUTH_STATE,
    USER,
)
from calsync.store.firestore_repos import FirestoreRepository


class FirestoreCredentials(FirestoreRepository):
    """credentials/{acc}: `{"sealed": bytes}`, the Keyring's ciphertext, nothing else."""

    def _ref(self, account_id: str) -> DocumentReference:
        return self._layout.root(CREDENTIALS).document(doc_id(account_id))

    def get(self, account_id: str) -> bytes | None:
        ref = self._ref(account_id)
        snapshot = self._access.get(ref)
        if not snapshot.exists:
            return None
        sealed = (snapshot.to_dict() or {}).get("sealed")
        if not isinstance(sealed, bytes):
            raise StorageError(f"{ref.path} holds no sealed credentials")
        return sealed

    def put(self, account_id: str, sealed: bytes) -> None:
        self._access.set(self._ref(account_id), {"sealed": bytes(sealed)})

    def delete(self, account_id: str) -> None:
        self._access.delete(self._ref(account_id))


class FirestoreChannels(FirestoreRepository):
    """channels/{id} -> account (TTL on `expires_at`)."""

    def _ref(self, channel_id: str) -> DocumentReference:
        return self._layout.root(CHANNELS).document(doc_id(channel_id))

    def get(self, channel_id: str) -> ChannelRoute | None:
        return self._read(self._ref(channel_id), CHANNEL_ROUTE)

    def put(self, route: ChannelRoute) -> None:
        self._access.set(self._ref(route.channel_id), CHANNEL_ROUTE.encode(route))

    def delete(self, channel_id: str) -> None:
        self._access.delete(self._ref(channel_id))


class FirestoreOAuthStates(FirestoreRepository):
    """oauth_states/{state}: single use (TTL on `expires_at`)."""

    def _ref(self, state: str) -> DocumentReference:
        return self._layout.root(OAUTH_STATES).document(doc_id(state))

    def get(self, state: str) -> OAuthState | None:
        return self._read(self._ref(state), OAUTH_STATE)

    def put(self, pending: OAuthState) -> None:
        self._access.set(self._ref(pending.state), OAUTH_STATE.encode(pending))

    def delete(self, state: str) -> None:
        self._access.delete(self._ref(state))


class FirestoreDirectory(FirestoreRepository):
    """companies/{c}/users|activity_types|deals|persons|organizations/{id}."""

    def _user_ref(self, company_id: str, user_id: str) -> DocumentReference:
        return self._layout.under(COMPANIES, company_id, USERS).document(doc_id(user_id))

    def user(self, company_id: str, user_id: str) -> User | None:
        return self._read(self._user_ref(company_id, user_id), USER)

    def user_by_email(self, email: str) -> User | None:
        """A collection-group query on the derived, lower-cased `email_key`."""
        wanted = email.strip().lower()
        query = self._layout.group(USERS).where(filter=FieldFilter("email_key", "==", wanted))
        found = self._page(query.limit(1), USER)
        return found[0] if found else None

    def put_user(self, user: User) -> None:
        self._access.set(self._user_ref(user.company_id, user.id), USER.encode(user))

    def activity_types(self, company_id: str) -> list[ActivityType]:
        custom = {
            t.key: t
            for t in self._stream(
                self._layout.under(COMPANIES, company_id, ACTIVITY_TYPES), ACTIVITY_TYPE
            )
        }
        defaults = {t.key: t for t in default_activity_types()}
        return list({**defaults, **custom}.values())

    def put_activity_type(self, company_id: str, activity_type: ActivityType) -> None:
        types = self._layout.under(COMPANIES, company_id, ACTIVITY_TYPES)
        self._access.set(
            types.document(doc_id(activity_type.key)), ACTIVITY_TYPE.encode(activity_type)
        )

    def _item_ref(self, company_id: str, kind: LinkedItemKind, item_id: str) -> DocumentReference:
        items = self._layout.under(COMPANIES, company_id, LINKED_ITEMS[kind.value])
        return items.document(doc_id(item_id))

    def linked_item(self, company_id: str, kind: LinkedItemKind, item_id: str) -> LinkedItem | None:
        return self._read(self._item_ref(company_id, kind, item_id), LINKED_ITEM)

    def put_linked_item(self, item: LinkedItem) -> None:
        self._access.set(
            self._item_ref(item.company_id, item.kind, item.id), LINKED_ITEM.encode(item)
        )
