"""The languages feedback360 speaks. Pure: no Flask import."""

SUPPORTED_LOCALES = ("en", "es", "fr", "de")
# Each language named in itself, as the language switch shows it.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}
