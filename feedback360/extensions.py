"""Flask extensions, created unbound here and bound in `create_app` (one place to find them)."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
# Counts requests per client address, in this process's memory unless RATELIMIT_STORAGE_URI names
# shared storage (redis://...) for several workers. Nothing else about the client is kept.
# One limiter per process: each `create_app` gives it that app's storage.
limiter = Limiter(key_func=get_remote_address)
