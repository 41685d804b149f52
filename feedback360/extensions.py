"""Flask extensions, created unbound here and bound in `create_app` (one place to find them)."""

from flask_babel import Babel
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from .wording import N_  # noqa: F401 (marks strings kept untranslated until shown)


class Base(DeclarativeBase):
    pass


# hide_parameters: a statement's parameters are a respondent's answers, comments and ids. They
# stay out of SQL echo logs and out of the text of every database error, which Flask and gunicorn
# would otherwise log. A setting in SQLALCHEMY_ENGINE_OPTIONS could turn this off; do not.
db = SQLAlchemy(model_class=Base, engine_options={"hide_parameters": True})
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please log in to see that page.")
# The message is flashed through gettext, in the language of the page it leads to.
login_manager.localize_callback = gettext
login_manager.login_message_category = "info"
# Counts requests per client address, in this process's memory unless RATELIMIT_STORAGE_URI names
# shared storage (redis://...) for several workers. Nothing else about the client is kept.
# One limiter per process: each `create_app` gives it that app's storage.
limiter = Limiter(key_func=get_remote_address)
# Gettext catalogs in feedback360/translations (make translations compiles them); the locale
# selector (i18n.select_locale) is given in `create_app`.
babel = Babel()
