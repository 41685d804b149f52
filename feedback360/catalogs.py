"""Compiling the gettext catalogs: each feedback360/translations/<xx>/LC_MESSAGES/messages.po
into the .mo file Flask-Babel reads. The .mo files are built, never committed: `make
translations` (which `make run` and `make test` depend on) and the test suite's start call this.

`python -m feedback360.catalogs` compiles what is missing or older than its .po file. Fuzzy
entries are left out, as `pybabel compile` does: they show in English until someone checks them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def catalogs(folder: Path = TRANSLATIONS) -> list[Path]:
    """Every language's .po file."""
    return sorted(folder.glob("*/LC_MESSAGES/messages.po"))


def compile_stale(folder: Path = TRANSLATIONS) -> list[Path]:
    """Compile each .po file whose .mo is missing or older; returns the .mo files written."""
    written = []
    for po_path in catalogs(folder):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_stale():
        print(f"compiled {path}")
    sys.exit(0)
