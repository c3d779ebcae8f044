"""The credential cache: by account and version, bounded, shared by threads, never telling."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from calsync.auth.credential_cache import CredentialCache
from calsync.domain.account import Credentials
from pydantic import SecretStr


def _tokens(name: str) -> Credentials:
    return Credentials(
        access_token=SecretStr(f"ya29.{name}"), refresh_token=SecretStr(f"1//{name}")
    )


def test_an_entry_serves_only_the_version_it_was_loaded_under() -> None:
    cache = CredentialCache()
    cache.put("a1", 3, _tokens("a"))
    assert cache.get("a1", 3) == _tokens("a")
    assert cache.get("a1", 4) is None
    assert cache.get("a2", 3) is None


def test_the_least_recently_used_account_goes_first() -> None:
    cache = CredentialCache(size=2)
    cache.put("a1", 0, _tokens("1"))
    cache.put("a2", 0, _tokens("2"))
    assert cache.get("a1", 0) is not None  # a1 is now the most recent
    cache.put("a3", 0, _tokens("3"))
    assert cache.get("a2", 0) is None
    assert cache.get("a1", 0) is not None
    assert len(cache) == 2


def test_dropped_accounts_load_again_and_removed_ones_never() -> None:
    cache = CredentialCache()
    cache.put("a1", 0, _tokens("1"))
    cache.drop("a1")
    assert cache.get("a1", 0) is None
    cache.put("a1", 0, _tokens("1"))
    cache.remove("a1")
    cache.put("a1", 0, _tokens("1"))  # a job still running for it
    assert cache.get("a1", 0) is None


def test_no_token_shows_in_its_text() -> None:
    cache = CredentialCache(size=5)
    cache.put("a1", 0, _tokens("secret"))
    text = repr(cache) + str(cache)
    assert "secret" not in text
    assert text.startswith("CredentialCache(1 of 5")


def test_threads_share_it_safely() -> None:
    cache = CredentialCache(size=50)

    def work(n: int) -> None:
        for i in range(200):
            account = f"a{(n * 7 + i) % 80}"
            cache.put(account, i % 3, _tokens(account))
            found = cache.get(account, i % 3)
            assert found is None or found == _tokens(account)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(16)))
    assert len(cache) == 50


def test_a_cache_holds_at_least_one_account() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CredentialCache(size=0)
