"""feedback360: anonymous 360 feedback on how a leader shows up online."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from . import i18n
from . import storage
from .extensions import csrf
from .extensions import db
from .extensions import limiter
from .extensions import login_manager

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. `test_config` overrides settings (see `config`); its INSTANCE_PATH keeps
    tests out of `instance/`."""
    test_config = dict(test_config or {})
    instance_path = config.instance_path(test_config, PROJECT_ROOT)
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    storage.private_folder(instance_path)
    config.load_config(app, test_config)

    if int(app.config["PROXY_FIX_X_FOR"]):
        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    if app.config["MIGRATIONS"] or click.get_current_context(silent=True) is not None:
        init_migrations(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)  # Flask-Babel, and the templates' language helpers

    from . import cli
    from . import models
    from . import web
    from .account.views import bp as account_bp
    from .auth.views import bp as auth_bp
    from .coaching.views import bp as coaching_bp
    from .reports.views import bp as reports_bp
    from .rounds.views import bp as rounds_bp
    from .survey.views import bp as survey_bp

    app.url_map.converters["id"] = web.IdConverter
    login_manager.user_loader(models.load_user)
    for blueprint in (auth_bp, rounds_bp, survey_bp, reports_bp, coaching_bp, account_bp):
        app.register_blueprint(blueprint)
    web.init_app(app)
    cli.init_app(app)
    return app


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate, for `flask db ...` and code that runs migrations.

    Alembic is only needed there, and importing it costs each web worker and each report build
    about 10 MB, so `create_app` binds it only when the `flask` command creates the app (or the
    config says MIGRATIONS=True).
    """
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
