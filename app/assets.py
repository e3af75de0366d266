"""Front-end files the app serves itself, so that maps work without internet.

folium loads Leaflet and friends from public CDNs by default; we serve local copies
instead. ``npm ci`` installs the exact versions pinned in ``package.json`` /
``package-lock.json`` into ``node_modules``; this module copies exactly the files the
maps need into the vendor directory (``app/static/vendor``, never committed)::

    npm ci --ignore-scripts
    python -m app.assets node_modules app/static/vendor   # both optional: these defaults

What folium 0.20 needs: Leaflet (JS, CSS and the images its CSS refers to).
Leaflet.markercluster clusters the settlements of large plans (thousands of villages). jQuery is
kept because folium's own ``Popup`` and ``Map.keep_in_front`` call ``$``. Bootstrap,
glyphicons, Font Awesome and Leaflet.awesome-markers are only used by folium's
``Icon`` markers, which our maps do not use, so they are neither installed nor linked.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_VENDOR_DIR = PACKAGE_DIR / "static" / "vendor"
DEFAULT_NODE_MODULES = PACKAGE_DIR.parent / "node_modules"

MAP_JS = ("leaflet/leaflet.js", "jquery/jquery.min.js",
          "leaflet.markercluster/leaflet.markercluster.js")
MAP_CSS = ("leaflet/leaflet.css", "leaflet.markercluster/MarkerCluster.css",
           "leaflet.markercluster/MarkerCluster.Default.css")

# vendor-relative destination -> node_modules-relative source
VENDOR_FILES: dict[str, str] = {
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images/layers.png": "leaflet/dist/images/layers.png",
    "leaflet/images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "leaflet/LICENSE": "leaflet/LICENSE",
    "jquery/jquery.min.js": "jquery/dist/jquery.min.js",
    "jquery/LICENSE.txt": "jquery/LICENSE.txt",
    "leaflet.markercluster/leaflet.markercluster.js":
        "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet.markercluster/MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "leaflet.markercluster/MarkerCluster.Default.css":
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet.markercluster/MIT-LICENCE.txt": "leaflet.markercluster/MIT-LICENCE.txt",
}


class AssetsError(RuntimeError):
    """node_modules is missing or incomplete; the message says what to run."""


def missing_assets(vendor_dir: str | Path) -> list[str]:
    """Vendor-relative paths of the map's JS/CSS files that are not in ``vendor_dir``."""
    root = Path(vendor_dir)
    return [rel for rel in (*MAP_JS, *MAP_CSS) if not (root / rel).is_file()]


def _sources(node_modules: Path) -> dict[str, Path]:
    """Absolute source of every vendor file; raise :class:`AssetsError` naming the missing."""
    if not node_modules.is_dir():
        raise AssetsError(
            f"{node_modules} does not exist: run `npm ci --ignore-scripts` in the repository "
            "root first (or `make assets`)"
        )
    sources = {dest: node_modules / src for dest, src in VENDOR_FILES.items()}
    missing = sorted(str(src) for src in sources.values() if not src.is_file())
    if missing:
        raise AssetsError(
            f"{node_modules} lacks {', '.join(missing)}: run `npm ci --ignore-scripts` again"
        )
    return sources


def install_assets(node_modules: str | Path, vendor_dir: str | Path) -> list[Path]:
    """Copy the files in :data:`VENDOR_FILES` from ``node_modules`` into ``vendor_dir``.

    Parameters
    ----------
    node_modules
        The ``node_modules`` directory made by ``npm ci``.
    vendor_dir
        Destination (created if needed); existing copies are overwritten.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    AssetsError
        ``node_modules`` or one of the needed files is missing (nothing is copied then).
    """
    sources = _sources(Path(node_modules))
    written = []
    for dest, src in sources.items():
        target = Path(vendor_dir) / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m app.assets [NODE_MODULES [VENDOR_DIR]]``; 0 ok, 1 error."""
    parser = argparse.ArgumentParser(prog="python -m app.assets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("node_modules", nargs="?", type=Path, default=DEFAULT_NODE_MODULES,
                        help="the node_modules made by `npm ci` (default: repository's)")
    parser.add_argument("vendor_dir", nargs="?", type=Path, default=DEFAULT_VENDOR_DIR,
                        help="where the app serves them from (default: app/static/vendor)")
    args = parser.parse_args(argv)
    try:
        written = install_assets(args.node_modules, args.vendor_dir)
    except AssetsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"installed {len(written)} files into {args.vendor_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
