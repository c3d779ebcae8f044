"""Random tokens, fingerprints and PKCE."""

from __future__ import annotations

import re

from calsync.auth.tokens import (
    code_challenge,
    new_code_verifier,
    new_token,
    token_hash,
    token_matches,
)


def test_pkce_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_use_the_allowed_alphabet_and_length() -> None:
    verifier = new_code_verifier()
    assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", verifier)
    assert new_code_verifier() != verifier


def test_a_token_matches_only_its_own_fingerprint() -> None:
    token = new_token()
    stored = token_hash(token)
    assert token not in stored
    assert token_matches(token, stored)
    assert not token_matches(token + "x", stored)
    assert not token_matches("", stored)
