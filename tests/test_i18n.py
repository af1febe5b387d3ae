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


def test_the_spanish_sentences_review_r5_flagged_read_as_spanish():
    """Review r5: two colons in one line of the notation frame; the layer deck's subtitle in
    English ("su forward y su backward")."""
    from symbackprop.render.i18n import CATALOGUES
    es = CATALOGUES["es"]
    assert es["tex_activation"].count(":") == 0            # the frame writes "formula: sentence"
    assert "forward" not in es["layers_title"] and "backward" not in es["layers_title"]
    assert es["layers_rule_forward"].startswith("Hacia adelante (forward):")
