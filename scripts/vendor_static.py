#!/usr/bin/env python3
"""Vendor the front-end libraries into ``yiyang/web/static/vendor/`` from pinned npm tarballs.

Why: the platform runs on a county network that may have no Internet access, and health data pages
must not pull scripts from a CDN (availability, and a third party seeing who opens which page). So
every browser library is served from our own static files, and this script is the one way they get
there: ``npm pack`` of an exact version (fetches the published tarball, installs nothing, runs no
package script), a check of the tarball's sha512 against the registry's ``dist.integrity`` pinned
below, then extraction of just the listed files plus the package's licence files.

    python3 scripts/vendor_static.py

``MANIFEST.json`` records name, version, integrity and each file's sha256; the test
``yiyang/web/tests/test_vendor_static.py`` checks the files still match it. Running the script twice
gives identical bytes. To upgrade a package, change its version and integrity (from
``npm view <name>@<version> dist.integrity``) and re-run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "yiyang" / "web" / "static" / "vendor"
MANIFEST = VENDOR_DIR / "MANIFEST.json"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files we take from it (paths inside the tarball's package/)."""

    name: str
    version: str
    integrity: str
    license: str
    files: tuple[str, ...]
    license_files: tuple[str, ...]


PACKAGES: tuple[Package, ...] = (
    Package(
        name="htmx.org",
        version="2.0.11",  # latest 2.0.x
        integrity="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        license="0BSD",
        files=("dist/htmx.min.js",),
        license_files=("LICENSE",),
    ),
    Package(
        name="echarts",
        version="5.6.0",  # latest 5.x
        integrity="sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==",
        license="Apache-2.0",
        files=("dist/echarts.min.js",),
        # Apache-2.0 asks for the NOTICE to travel with the code; LICENSE-d3 covers code it bundles.
        license_files=("LICENSE", "NOTICE", "licenses/LICENSE-d3"),
    ),
)


def npm_pack(package: Package, workdir: Path) -> Path:
    """Fetch the exact published tarball into ``workdir`` without installing anything."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH; it is needed to fetch package tarballs")
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [npm, "pack", f"{package.name}@{package.version}", "--json", "--pack-destination", str(workdir)],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    return workdir / json.loads(result.stdout)[0]["filename"]


def sri(data: bytes, algorithm: str) -> str:
    """Subresource-Integrity string (``sha512-<base64>``), the form npm publishes as dist.integrity."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def vendor(package: Package, workdir: Path) -> dict[str, object]:
    """Extract one package's files into its vendor folder and return its manifest entry."""
    tarball = npm_pack(package, workdir)
    algorithm = package.integrity.split("-", 1)[0]
    actual = sri(tarball.read_bytes(), algorithm)
    if actual != package.integrity:
        sys.exit(
            f"integrity mismatch for {package.name}@{package.version}:\n"
            f"  expected {package.integrity}\n  got      {actual}"
        )

    target = VENDOR_DIR / package.name
    if target.exists():
        shutil.rmtree(target)  # so files dropped from the list do not linger
    target.mkdir(parents=True)

    entries: list[dict[str, object]] = []
    with tarfile.open(tarball, "r:gz") as tar:
        for source in package.files + package.license_files:
            member = tar.getmember(f"package/{source}")
            if not member.isfile():
                sys.exit(f"{package.name}: {source} is not a regular file")
            handle = tar.extractfile(member)
            assert handle is not None
            data = handle.read()
            # Flattened to the base name: templates say {% static 'vendor/htmx.org/htmx.min.js' %}.
            dest = target / PurePosixPath(source).name
            if dest.exists():
                sys.exit(f"{package.name}: two listed files are both named {dest.name}")
            dest.write_bytes(data)
            entries.append(
                {
                    "path": dest.relative_to(VENDOR_DIR).as_posix(),
                    "source": f"package/{source}",
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    return {
        "name": package.name,
        "version": package.version,
        "license": package.license,
        "integrity": package.integrity,
        "files": entries,
    }


def main() -> None:
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vendor-static-") as tmp:
        packages = [vendor(package, Path(tmp)) for package in PACKAGES]
    manifest = {
        "generated_by": "scripts/vendor_static.py",
        "source": "npm registry tarballs, checked against dist.integrity before extraction",
        "packages": packages,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    listed = {package.name for package in PACKAGES}
    for child in sorted(VENDOR_DIR.iterdir()):
        if child.is_dir() and child.name not in listed:
            print(f"warning: {child.relative_to(REPO_ROOT)} is not in PACKAGES", file=sys.stderr)
    for package in packages:
        print(f"vendored {package['name']}@{package['version']}")


if __name__ == "__main__":
    main()
