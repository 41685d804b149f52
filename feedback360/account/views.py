"""The account page: name, email, the rounds the account holds, and deleting it all."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from flask_login import login_required
from flask_login import logout_user

from ..rounds.services.lifecycle import rounds_led_by
from ..rounds.services.sharing import rounds_shared_with
from . import services
from .forms import DeleteAccountForm
from .forms import LanguageForm

bp = Blueprint("account", __name__)


def _page(form: DeleteAccountForm, language_form: LanguageForm | None = None):
    if language_form is None:
        language_form = LanguageForm(language=current_user.language or "")
    return render_template(
        "account/index.html",
        form=form,
        language_form=language_form,
        led=rounds_led_by(current_user),
        shared=rounds_shared_with(current_user),
    )


@bp.get("/account")
@login_required
def index():
    return _page(DeleteAccountForm())


@bp.post("/account/language")
@login_required
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        services.set_language(current_user._get_current_object(), form.language.data)
        refresh()  # this request's messages in the language just picked
        flash(_("Saved: your interface language."), "success")
        return redirect(url_for("account.index"))
    return _page(DeleteAccountForm(), form)


@bp.post("/account/delete")
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if services.delete_account(current_user._get_current_object(), form.password.data):
            logout_user()
            session.clear()
            flash(_("Your account is deleted, with all your rounds and their answers."), "success")
            return redirect(url_for("auth.login"))
        form.password.errors.append(_("That is not your password. Nothing was deleted."))
    return _page(form)
