"""One place for the settings: every default in `feedback360/config.py` says why, every setting
the code reads has a default there (or is Flask's own), README's table lists each under the
variable that sets it, and `create_app` stays short enough to read at a glance."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from flask import Flask

from feedback360 import PROJECT_ROOT
from feedback360 import config
from feedback360 import create_app

PACKAGE = PROJECT_ROOT / "feedback360"
CONFIG_READ = re.compile(r"config(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]*)\"")
# Set by config.load_config from the secret keys, for Flask-WTF; a None default would disable it.
DERIVED = {"WTF_CSRF_SECRET_KEY"}


def test_every_default_says_why():
    for name, setting in config.DEFAULTS.items():
        assert isinstance(setting, config.Setting), name
        assert len(setting.reason.split()) >= 4, f"{name}: give the reason in a short sentence"


def test_every_setting_the_code_reads_has_a_default_here():
    read = {
        name for path in PACKAGE.rglob("*.py") for name in CONFIG_READ.findall(path.read_text())
    }
    assert len(read) > 20, "the pattern finds the settings the code reads"
    missing = read - set(config.DEFAULTS) - set(Flask.default_config) - DERIVED
    assert not missing, f"add these to config.DEFAULTS with their reason: {sorted(missing)}"


def readme_configuration() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1]
    return section.split("\n## ", 1)[0]


def test_readme_lists_every_setting_under_its_variable():
    table = readme_configuration()
    for name in config.DEFAULTS:
        assert f"`FLASK_{name}`" in table, f"README's Configuration table lacks FLASK_{name}"
    for variable in config.UNPREFIXED_VARIABLES.values():
        assert f"`{variable}`" in table, f"README's Configuration says nothing of {variable}"


def test_create_app_reads_at_a_glance():
    lines, _ = inspect.getsourcelines(create_app)
    assert len(lines) < 60, f"create_app is {len(lines)} lines; move detail out of it"


def test_flask_variables_win_over_the_unprefixed_ones(monkeypatch, tmp_path):
    database = tmp_path / "flask.sqlite"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'hosted.sqlite'}")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{database}")
    monkeypatch.setenv("FLASK_SECRET_KEY", "a-secret-key-of-at-least-32-bytes!!")
    monkeypatch.setenv("FLASK_MAIL_PORT", "587")
    app = create_app({"INSTANCE_PATH": tmp_path / "instance"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    assert app.config["MAIL_PORT"] == 587  # parsed as JSON
    assert Path(database).stat().st_mode & 0o777 == 0o600, "created owner-only"

    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI")
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example.internal/feedback360")
    app = create_app({"INSTANCE_PATH": tmp_path / "instance"})
    expected = "postgresql+psycopg://someone@db.example.internal/feedback360"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
