"""The catalogues: the same sentences in every language."""
from symbackprop.render.i18n import CATALOGUES, say


def test_catalogues_have_the_same_keys_and_fields():
    es, en = CATALOGUES["es"], CATALOGUES["en"]
    assert set(es) == set(en)
    import string
    for key in es:
        fields_es = {f for _, f, _, _ in string.Formatter().parse(es[key]) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}
        assert fields_es == fields_en, key


def test_say_formats():
    assert say("es", "new", name="w5") == "nuevo_w5"
    assert say("en", "new", name="w5") == "new_w5"
