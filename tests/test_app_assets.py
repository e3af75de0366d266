"""Vendored front-end files: install from node_modules, detect missing, pinned npm deps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.assets import (
    MAP_CSS,
    MAP_JS,
    VENDOR_FILES,
    AssetsError,
    install_assets,
    main,
    missing_assets,
)

REPO = Path(__file__).resolve().parents[1]


def _fake_node_modules(root: Path) -> Path:
    """A node_modules tree holding every source file with its own name as content."""
    for src in VENDOR_FILES.values():
        (root / src).parent.mkdir(parents=True, exist_ok=True)
        (root / src).write_text(src, encoding="utf-8")
    return root


def test_install_copies_exactly_the_listed_files(tmp_path: Path) -> None:
    node_modules = _fake_node_modules(tmp_path / "node_modules")
    (node_modules / "leaflet" / "dist" / "leaflet-src.js").write_text("x", encoding="utf-8")
    vendor = tmp_path / "vendor"
    written = install_assets(node_modules, vendor)
    files = sorted(str(p.relative_to(vendor)) for p in vendor.rglob("*") if p.is_file())
    assert files == sorted(VENDOR_FILES) and len(written) == len(VENDOR_FILES)
    assert (vendor / "leaflet/leaflet.js").read_text(encoding="utf-8") == "leaflet/dist/leaflet.js"
    assert missing_assets(vendor) == []


def test_map_files_and_leaflet_images_are_vendored() -> None:
    assert set(MAP_JS) | set(MAP_CSS) <= set(VENDOR_FILES)
    assert {"leaflet/images/layers.png", "leaflet/images/marker-icon.png"} <= set(VENDOR_FILES)


def test_missing_node_modules_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(AssetsError, match="npm ci"):
        install_assets(tmp_path / "node_modules", tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()


def test_incomplete_node_modules_names_the_file(tmp_path: Path) -> None:
    node_modules = _fake_node_modules(tmp_path / "node_modules")
    (node_modules / "jquery" / "dist" / "jquery.min.js").unlink()
    with pytest.raises(AssetsError, match="jquery.min.js"):
        install_assets(node_modules, tmp_path / "vendor")


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nm"), str(tmp_path)]) == 1
    assert "npm ci" in capsys.readouterr().err
    node_modules = _fake_node_modules(tmp_path / "nm")
    assert main([str(node_modules), str(tmp_path / "v")]) == 0  # as the Makefile calls it
    assert missing_assets(tmp_path / "v") == []


def test_missing_assets(tmp_path: Path) -> None:
    assert missing_assets(tmp_path) == [*MAP_JS, *MAP_CSS]


def test_package_json_pins_exact_versions_and_runs_nothing() -> None:
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    assert package["private"] is True
    assert "scripts" not in package
    assert package["dependencies"] == {"jquery": "3.7.1", "leaflet": "1.9.4",
                                       "leaflet.markercluster": "1.5.3"}
    assert "devDependencies" not in package


def test_lock_matches_and_has_only_registry_urls() -> None:
    text = (REPO / "package-lock.json").read_text(encoding="utf-8")
    lock = json.loads(text)
    packages = lock["packages"]
    assert packages["node_modules/leaflet"]["version"] == "1.9.4"
    assert packages["node_modules/jquery"]["version"] == "3.7.1"
    assert packages["node_modules/leaflet.markercluster"]["version"] == "1.5.3"
    assert set(packages) == {"", "node_modules/leaflet", "node_modules/jquery",
                             "node_modules/leaflet.markercluster"}
    for url in re.findall(r"https?://[^\"\s]+", text):
        assert url.startswith("https://registry.npmjs.org/"), url
    assert all(p.get("integrity", "sha512-").startswith("sha512-") for p in packages.values())
