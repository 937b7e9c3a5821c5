"""The staff pages' words by area, each a ``WORDS`` dict of Korean and English twins;
``serving.web.i18n`` merges them with its own (a name given twice is an error at import)."""
