"""`calsync bundle`: the deployable tree, reproducible, and careful with what it replaces."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from calsync.cli import main
from calsync.deploy.bundle import MARKER, BundleError, build_bundle, source_root

ROOT = Path(__file__).resolve().parents[2]


def _package_sources() -> set[str]:
    package = ROOT / "lib" / "calsync"
    return {
        "calsync/" + path.relative_to(package).as_posix()
        for path in package.rglob("*")
        if path.is_file()
        and not {"__pycache__", "devstack", "bench"}.intersection(path.relative_to(package).parts)
        and path.suffix != ".pyc"
    }


def test_the_source_root_is_this_checkout() -> None:
    assert source_root() == ROOT


def test_the_bundle_holds_main_requirements_and_the_package(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path / "bundle")
    out = bundle.directory
    assert (out / "main.py").read_bytes() == (ROOT / "functions" / "main.py").read_bytes()
    assert (out / "requirements.txt").read_bytes() == (
        ROOT / "functions" / "requirements.txt"
    ).read_bytes()
    assert set(bundle.files) == {"main.py", "requirements.txt"} | _package_sources()
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(bundle.files) | {MARKER}
    never = ("emulators", "devstack", "calsync/bench/", "__pycache__")
    assert not [name for name in bundle.files if any(part in name for part in never)]
    assert "calsync/http/entry.py" in bundle.files


def test_the_zip_is_reproducible_and_holds_the_bundle(tmp_path: Path) -> None:
    first = build_bundle(tmp_path / "one", zip_path=tmp_path / "one.zip")
    second = build_bundle(tmp_path / "two", zip_path=tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    assert first.sha256() == second.sha256()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert sorted(archive.namelist()) == list(first.files)
        assert archive.read("main.py") == (ROOT / "functions" / "main.py").read_bytes()


def test_a_previous_bundle_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    build_bundle(out)
    (out / "calsync" / "stale.py").write_text("left over\n")
    bundle = build_bundle(out)
    assert not (out / "calsync" / "stale.py").exists()
    assert "calsync/stale.py" not in bundle.files


def test_a_directory_that_is_not_a_bundle_is_left_alone(tmp_path: Path) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me\n")
    with pytest.raises(BundleError, match="not a calsync bundle"):
        build_bundle(tmp_path)
    assert precious.read_text() == "keep me\n"
    with pytest.raises(BundleError, match="would contain the source tree"):
        build_bundle(ROOT.parent)


def test_an_incomplete_checkout_is_refused(tmp_path: Path) -> None:
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "main.py").write_text("")
    with pytest.raises(BundleError, match=r"missing functions/requirements\.txt, lib/calsync"):
        build_bundle(tmp_path / "out", root=tmp_path)


def test_the_cli_builds_it_and_refuses_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, archive = tmp_path / "bundle", tmp_path / "calsync.zip"
    assert main(["bundle", "--out", str(out), "--zip", str(archive)]) == 0
    assert (out / "main.py").is_file()
    assert archive.is_file()
    assert "sha256" in capsys.readouterr().out
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file").write_text("x")
    assert main(["bundle", "--out", str(tmp_path / "other")]) == 2
    assert "refusing to replace it" in capsys.readouterr().err
