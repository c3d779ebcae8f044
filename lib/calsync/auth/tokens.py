"""Random secrets and their fingerprints: OAuth state, PKCE (S256) and push-channel tokens.

A channel token is stored only as its SHA-256 fingerprint; a presented token is compared by
fingerprint in constant time. Plain SHA-256 suffices because every token is 256 random bits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token (OAuth state, channel token, ids that must not be guessed)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """The fingerprint stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Whether `token` is the one `stored_hash` was made from, in constant time."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def new_code_verifier() -> str:
    """A PKCE code verifier: 86 characters of the unreserved alphabet (RFC 7636 allows 43-128)."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
