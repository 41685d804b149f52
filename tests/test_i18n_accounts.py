"""Accounts, the account page, the coach's rater list and the command line in Spanish, French and
German: the language comes from the browser (Accept-Language) before login, from the user's
choice after it, and from `--language` on the command line. Each page is checked for translated
text and for key English sentences left over. Both databases."""

from __future__ import annotations

import pytest

from feedback360.rounds import services as round_services
from feedback360.rounds.services import approval
from feedback360.tokens import signup_token
from tests.helpers import SECRET_KEY
from tests.helpers import add_user
from tests.helpers import drop_app
from tests.helpers import invite
from tests.helpers import login
from tests.helpers import make_app
from tests.helpers import share_for
from tests.helpers import visible_text

STAFF = "\n".join(f"staff{i}@example.org, staff" for i in range(3))
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def english_left(html: str, sentences: list[str]) -> list[str]:
    text = visible_text(html)
    return [sentence for sentence in sentences if sentence in text]


def test_the_login_page_speaks_german_with_wtforms_own_messages_translated(client):
    page = client.get("/login", headers=GERMAN)
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    text = visible_text(page.text)
    assert "Passwort vergessen?" in text
    assert "Noch kein Konto? Legen Sie eines an" in text
    assert "Passwort" in text
    assert not english_left(
        page.text, ["Log in", "Forgot your password?", "No account yet?", "Create one", "Password"]
    )

    # An over-long password: WTForms' own Length message, from its German catalog.
    reply = client.post(
        "/login", data={"email": "a@example.com", "password": "x" * 201}, headers=GERMAN
    )
    assert reply.status_code == 200
    assert "Feld kann nicht länger als 200 Zeichen sein." in visible_text(reply.text)
    assert "Field cannot be longer than" not in reply.text
    # No password at all: the app's own message.
    reply = client.post("/login", data={"email": "a@example.com"}, headers=GERMAN)
    assert "Geben Sie Ihr Passwort ein." in visible_text(reply.text)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "El campo no puede tener más de 120 caracteres."),
        ("fr", "Le champ ne peut pas contenir plus de 120 caractères."),
        ("de", "Feld kann nicht länger als 120 Zeichen sein."),
    ],
)
def test_wtforms_own_messages_follow_the_page_language(client, language, expected):
    """Flask-WTF's WTF_I18N_ENABLED (on by default) reads WTForms' catalogs in the locale
    Flask-Babel chose: nothing to configure, but it must stay so."""
    token = signup_token(SECRET_KEY, "new@example.com")
    reply = client.post(
        f"/register/{token}",
        data={"name": "N" * 121, "password": "long enough pass", "confirm": "long enough pass"},
        headers={"Accept-Language": language},
    )
    assert reply.status_code == 200
    assert expected in visible_text(reply.text)


def test_the_registration_page_speaks_german(client):
    page = client.get("/register", headers=GERMAN)
    text = visible_text(page.text)
    assert "Konto anlegen" in text
    assert "Ein Konto für beides" in text
    assert "Sie haben ein Konto? Melden Sie sich an" in text
    assert "Link per E-Mail senden" in text
    assert not english_left(
        page.text,
        [
            "Create an account",
            "One account works for both",
            "We email you a link",
            "Have an account?",
            "Email me a link",
        ],
    )
    reply = client.post("/register", data={"email": "new@example.com"}, headers=GERMAN)
    text = visible_text(reply.text)
    assert "Sehen Sie in Ihr E-Mail-Postfach" in text
    assert "Wir haben eine Nachricht an new@example.com geschickt" in text
    assert "Sehen Sie im Spam-Ordner nach" in text


def test_a_reset_request_gives_the_link_lifetime_in_french(client):
    reply = client.post(
        "/forgot-password", data={"email": "who@example.com"}, headers={"Accept-Language": "fr"}
    )
    text = visible_text(reply.text)
    assert "Le lien fonctionne une seule fois, pendant 1 heure." in text
    assert "Retour à la connexion" in text


def test_a_dead_reset_link_says_so_in_spanish(client):
    page = client.get("/reset-password/not-a-token", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    text = visible_text(page.text)
    assert "Este enlace para restablecer la contraseña no funciona" in text
    assert "Pedir un nuevo enlace para restablecerla" in text


def test_a_wrong_password_and_the_throttle_speak_german(database_url, tmp_path):
    app = make_app(database_url, tmp_path, LOGIN_ACCOUNT_RATE_LIMIT="1 per minute")
    try:
        with app.app_context():
            add_user("leader@example.com")
        client = app.test_client()
        data = {"email": "leader@example.com", "password": "not the password"}
        first = client.post("/login", data=data, headers=GERMAN)
        assert "E-Mail-Adresse oder Passwort ist falsch." in visible_text(first.text)
        second = client.post("/login", data=data, headers=GERMAN)
        assert second.status_code == 429
        text = visible_text(second.text)
        assert "Zu viele Anmeldeversuche" in text
        assert "Too many login attempts" not in text
    finally:
        drop_app(app)


@pytest.fixture
def reviewed_id(app):
    """A draft round with three staff invited, whose Spanish-speaking coach is asked to approve
    the list. Set up in its own app context: requests made inside the test's would share its
    `g`, where Flask-Babel keeps the first locale it chose."""
    with app.app_context():
        leader = add_user("leader@example.com", "Lee Leader")
        coach = add_user("coach@example.com", "Cora Coach")
        coach.language = "es"
        a_round = round_services.create_round(
            leader, title="Spring round", platforms=[], anonymity_threshold=3
        )
        invite(a_round, STAFF)
        round_services.share_with_coach(a_round, coach.email)
        approval.ask_coach_to_review(a_round, share_for(a_round, coach.email))
        return a_round.id


def test_a_spanish_coach_sees_home_and_rater_list_in_spanish(client, reviewed_id):
    login(client, "coach@example.com")
    # The browser asks for English: the account's own choice wins.
    home = client.get("/", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert '<html lang="es">' in home.text
    text = visible_text(home.text)
    assert "Mis rondas" in text and "Cuenta" in text and "Cerrar sesión" in text

    page = client.get(f"/rounds/{reviewed_id}/rater-list", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    text = visible_text(page.text)
    assert "Personas invitadas: Spring round" in text
    assert "borrador" in text
    assert "Lee Leader te pide que apruebes esta lista." in text
    assert "Aprobar esta lista" in text
    assert "Invitaciones por correo (3)" in text
    assert "Añadir personas" in text
    assert not english_left(
        page.text,
        [
            "Rater list:",
            "asks you to approve this list",
            "Check that each address belongs",
            "Approve this rater list",
            "Invited by email",
            "Open links",
            "No open link.",
            "Add people",
            "Add to the list",
        ],
    )

    seen = page.text.split('name="seen"')[1].split('value="')[1].split('"')[0]
    approved = client.post(
        f"/rounds/{reviewed_id}/rater-list/approve", data={"seen": seen}, follow_redirects=True
    )
    text = visible_text(approved.text)
    assert (
        "Has aprobado la lista de personas invitadas: Lee Leader ya puede abrir la ronda." in text
    )
    assert "Has aprobado esta lista." in text


def test_the_account_page_is_in_french_after_choosing_french(app, client):
    with app.app_context():
        add_user("leader@example.com", "Lee Leader")
    login(client, "leader@example.com")
    before = client.get("/account")
    assert "What we hold about you" in before.text, "English until French is chosen"
    reply = client.post("/account/language", data={"language": "fr"}, follow_redirects=True)
    assert reply.status_code == 200
    assert '<html lang="fr">' in reply.text
    text = visible_text(reply.text)
    assert "Enregistré : la langue de votre interface." in text
    assert "Votre compte" in text
    assert "Ce que nous conservons à votre sujet" in text
    assert "Supprimer mon compte et toutes mes campagnes" in text
    assert not english_left(
        reply.text,
        [
            "Your account",
            "What we hold about you",
            "Rounds you lead",
            "Delete my account",
            "This deletes your account",
            "Enter your password to confirm.",
        ],
    )
    wrong = client.post("/account/delete", data={"password": "not it"})
    assert "Ce n’est pas votre mot de passe. Rien n’a été supprimé." in visible_text(wrong.text)


def test_the_command_line_speaks_the_language_asked_for(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    output = str(tmp_path / "report.pdf")
    english = runner.invoke(args=["report", "4242", "-o", output])
    assert "No round with id 4242." in english.output
    german = runner.invoke(args=["report", "4242", "-o", output, "--language", "de"])
    assert german.exit_code != 0
    assert "Keine Runde mit der ID 4242." in german.output
    assert "No round with id" not in german.output
    french = runner.invoke(
        args=["report", "4242", "-o", output], env={"FEEDBACK360_LANGUAGE": "fr"}
    )
    assert "Aucune campagne avec l’id 4242." in french.output
    unknown = runner.invoke(args=["report", "4242", "-o", output, "--language", "xx"])
    assert unknown.exit_code == 2, "a language feedback360 does not speak is refused"
