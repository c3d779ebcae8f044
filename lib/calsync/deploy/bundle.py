"""The deployable bundle: the source tree Cloud Functions (2nd gen) builds every function from.

```
bundle/
  main.py            functions/main.py: the six entry points
  requirements.txt   functions/requirements.txt: pinned from the lock file
  calsync/           the product package (no caches; the emulators, the local stack
                     calsync.devstack and the benchmarks calsync.bench are never deployed)
```

Google's Python buildpack installs `requirements.txt` and serves `main.py`; `calsync` is found
next to it on the import path. `build_bundle` writes the directory and, if asked, a zip of it
with fixed timestamps and sorted entries, so the same source always makes the same bytes (the
object name in Cloud Storage can then be the content hash).

A directory is only replaced if it is empty or an earlier bundle (it carries `MARKER`), so a
mistyped `--out` never deletes anything else.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

MARKER = ".calsync-bundle"
ENTRY_FILES = {"main.py": "functions/main.py", "requirements.txt": "functions/requirements.txt"}
PACKAGE = "calsync"
# devstack runs the local cloud and bench measures on it (both import the emulators):
# developer tools, never deployed.
_SKIPPED_DIRS = frozenset({"__pycache__", "devstack", "bench"})
_SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be built (incomplete source tree, or an output that is not ours)."""


@dataclass(frozen=True)
class Bundle:
    """A built bundle: its directory, its files (relative, sorted) and its zip if one was made."""

    directory: Path
    files: tuple[str, ...]
    zip_path: Path | None = None

    def sha256(self) -> str:
        """A hash of every file's path and content (the same for the same source)."""
        digest = hashlib.sha256()
        for name in self.files:
            digest.update(name.encode() + b"\0")
            digest.update((self.directory / name).read_bytes())
        return digest.hexdigest()


def source_root() -> Path:
    """The checkout this `calsync` package was installed from (editable install: lib/calsync)."""
    return Path(__file__).resolve().parents[3]


def _check_source(root: Path) -> Path:
    missing = [
        path for path in (*ENTRY_FILES.values(), f"lib/{PACKAGE}") if not (root / path).exists()
    ]
    if missing:
        raise BundleError(f"{root} is not a calsync checkout: missing {', '.join(missing)}")
    return root / "lib" / PACKAGE


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BundleError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise BundleError(
                f"{out} is not empty and is not a calsync bundle: refusing to replace it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _package_files(package: Path) -> list[Path]:
    return sorted(
        path
        for path in package.rglob("*")
        if path.is_file()
        and not _SKIPPED_DIRS.intersection(path.relative_to(package).parts)
        and path.suffix not in _SKIPPED_SUFFIXES
    )


def build_bundle(out: Path, *, root: Path | None = None, zip_path: Path | None = None) -> Bundle:
    """Write the bundle to `out` (and a zip of it to `zip_path`); BundleError if it cannot."""
    root = root or source_root()
    package = _check_source(root)
    out = out.resolve()
    if out == root.resolve() or root.resolve().is_relative_to(out):
        raise BundleError(f"{out} would contain the source tree: choose another --out")
    _prepare(out)
    written = []
    for name, source in ENTRY_FILES.items():
        shutil.copyfile(root / source, out / name)
        written.append(name)
    for path in _package_files(package):
        relative = Path(PACKAGE) / path.relative_to(package)
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / relative)
        written.append(relative.as_posix())
    (out / MARKER).write_text("built by `calsync bundle`; replaced on the next build\n")
    bundle = Bundle(directory=out, files=tuple(sorted(written)))
    if zip_path is not None:
        write_zip(bundle, zip_path)
        bundle = Bundle(directory=out, files=bundle.files, zip_path=zip_path.resolve())
    return bundle


def write_zip(bundle: Bundle, zip_path: Path) -> None:
    """A reproducible zip of the bundle's files (the marker stays out)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in bundle.files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (bundle.directory / name).read_bytes())
