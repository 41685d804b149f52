"""Say exactly which Debian packages are missing instead of showing a traceback.

Run as `python -m feedback360.system_check [--tests]`; exits 1 when something is missing.
"""

from __future__ import annotations

import ctypes.util
import shutil
import sys

PDF_LIBRARIES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",
}
TEST_PROGRAMS = {
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "chromium": "chromium",
    "npm": "npm",
}


def missing_packages(for_tests: bool) -> list[str]:
    missing = [pkg for lib, pkg in PDF_LIBRARIES.items() if not ctypes.util.find_library(lib)]
    if for_tests:
        missing += [pkg for prog, pkg in TEST_PROGRAMS.items() if not shutil.which(prog)]
    return sorted(set(missing))


def main() -> int:
    missing = missing_packages("--tests" in sys.argv)
    if not missing:
        return 0
    print("feedback360 needs these Debian packages, which are not installed:", file=sys.stderr)
    print(f"    sudo apt-get install {' '.join(missing)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
