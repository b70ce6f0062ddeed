"""The vendored front-end libraries are exactly what MANIFEST.json says, and nothing loads from the Web.

Why: the platform must work on a county network with no Internet access, and a health record page
must not pull code from a CDN. The libraries are copied in by ``scripts/vendor_static.py`` from
integrity-checked npm tarballs; these tests catch a hand-edited, truncated or missing copy, and any
template or static file that would fetch a script, stylesheet or font from another host.

Each check is a function of a directory so the tests can also show it fails on a broken copy.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

YIYANG_DIR = Path(__file__).resolve().parents[2]
VENDOR_DIR = YIYANG_DIR / "web" / "static" / "vendor"

#: an external URL (http, https or protocol-relative) used as a script, style, frame or image source,
#: plus any ``src="http…"`` / ``href="http…"`` at all: even a plain link out is a dead end offline.
REMOTE_ASSET = re.compile(
    r"""<(?:script|link|img|iframe|source|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    r"""|\burl\(\s*["']?(?:https?:)?//"""
    r"""|@import\s+["'](?:https?:)?//"""
    r"""|\b(?:src|href)\s*=\s*["']https?://""",
    re.IGNORECASE,
)
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".woff", ".woff2", ".ttf", ".otf", ".gz"}


def manifest_problems(vendor_dir: Path) -> list[str]:
    """Every way the vendored files differ from their manifest (missing, changed, or unlisted)."""
    manifest = json.loads((vendor_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    listed: set[str] = set()
    for package in manifest["packages"]:
        if not package["files"]:
            problems.append(f"{package['name']}: manifest lists no files")
        for entry in package["files"]:
            listed.add(entry["path"])
            path = vendor_dir / entry["path"]
            if not path.is_file():
                problems.append(f"{entry['path']}: missing")
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != entry["sha256"]:
                problems.append(f"{entry['path']}: sha256 {digest} != manifest {entry['sha256']}")
    for path in vendor_dir.rglob("*"):
        relative = path.relative_to(vendor_dir).as_posix()
        if path.is_file() and relative != "MANIFEST.json" and relative not in listed:
            problems.append(f"{relative}: not in MANIFEST.json")
    return problems


def asset_files(root: Path) -> list[Path]:
    """Text files inside any ``templates`` or ``static`` folder below ``root``."""
    files: set[Path] = set()
    for folder in [*root.rglob("templates"), *root.rglob("static")]:
        if folder.is_dir():
            files.update(p for p in folder.rglob("*") if p.is_file() and p.suffix not in BINARY_SUFFIXES)
    return sorted(files)


def remote_asset_references(root: Path) -> list[str]:
    """``file:line: text`` for each reference to a script/style/asset on another host."""
    hits: list[str] = []
    for path in asset_files(root):
        text = path.read_text(encoding="utf-8", errors="ignore")
        for match in REMOTE_ASSET.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            hits.append(f"{path.relative_to(root)}:{line}: {match.group(0)[:80]}")
    return hits


def test_every_vendored_file_matches_its_manifest_sha256() -> None:
    assert manifest_problems(VENDOR_DIR) == []


def test_manifest_pins_htmx_2_0_and_echarts_5_with_their_licences() -> None:
    manifest = json.loads((VENDOR_DIR / "MANIFEST.json").read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in manifest["packages"]}
    assert packages["htmx.org"]["version"].startswith("2.0.")
    assert packages["echarts"]["version"].startswith("5.")
    for package in packages.values():
        assert package["integrity"].startswith("sha512-")
        paths = {Path(f["path"]).name for f in package["files"]}
        assert "LICENSE" in paths, f"{package['name']} is vendored without its licence"
    assert "htmx.min.js" in {Path(f["path"]).name for f in packages["htmx.org"]["files"]}
    assert "echarts.min.js" in {Path(f["path"]).name for f in packages["echarts"]["files"]}


@pytest.mark.parametrize("damage", ["edit", "delete", "extra"])
def test_manifest_check_catches_a_tampered_copy(tmp_path: Path, damage: str) -> None:
    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR_DIR, copy)
    target = copy / "htmx.org" / "htmx.min.js"
    if damage == "edit":
        target.write_bytes(target.read_bytes() + b"\n// patched by hand\n")
    elif damage == "delete":
        target.unlink()
    else:
        (copy / "htmx.org" / "htmx.js").write_text("// unlisted\n")
    assert manifest_problems(copy) != []


def test_no_template_or_static_file_loads_assets_from_another_host() -> None:
    assert asset_files(YIYANG_DIR), "expected at least the vendored static files to be scanned"
    assert remote_asset_references(YIYANG_DIR) == []


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.example.com/htmx.min.js"></script>',
        "<link rel='stylesheet' href='http://cdn.example.com/a.css'>",
        '<script defer src="//cdn.example.com/x.js"></script>',
        "body { background: url(https://example.com/bg.png) }",
        '@import "https://fonts.example.com/css";',
    ],
)
def test_remote_asset_scan_flags_cdn_references(tmp_path: Path, snippet: str) -> None:
    templates = tmp_path / "app" / "templates"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text(f"<html>\n{snippet}\n</html>\n", encoding="utf-8")
    assert remote_asset_references(tmp_path) != []


def test_remote_asset_scan_accepts_local_static_tags(tmp_path: Path) -> None:
    templates = tmp_path / "app" / "templates"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text(
        "{% load static %}<script src=\"{% static 'vendor/htmx.org/htmx.min.js' %}\"></script>\n",
        encoding="utf-8",
    )
    assert remote_asset_references(tmp_path) == []
