"""Issue 14, the title page: author, course, institution and date from the spec (a string or
one per language) or from solve's options, on the slides' title page and the sheets' head,
escaped for LaTeX, nothing shown (and no date made up) for a key left out."""
from __future__ import annotations

import copy
import subprocess

import pytest
import yaml

from symbackprop import SpecError, spec_from_dict
from symbackprop.api import solve_for_report, with_title_page
from symbackprop.render.report import render_tex
from symbackprop.spec.reading import spec_to_dict

from conftest import LECTURE, command, env


def lecture_data() -> dict:
    return yaml.safe_load(LECTURE.read_text(encoding="utf-8"))


def tex(data: dict, style: str, language: str = "es") -> str:
    return render_tex(solve_for_report(spec_from_dict(data)), style, language)


HEAD = {"author": "symbackprop", "course": {"es": "Redes neuronales", "en": "Neural networks"},
        "institution": {"es": "Facultad de Ciencias", "en": "Faculty of Science"},
        "date": {"es": "Semestre 2025-2", "en": "Term 2025-2"}}


@pytest.mark.parametrize("style", ["slides", "article", "exercise", "answers"])
def test_the_title_page_shows_author_course_institution_and_date_in_each_language(style):
    data = {**lecture_data(), **HEAD}
    for language, words in (("es", ("Redes neuronales", "Facultad de Ciencias", "Semestre 2025{-}2")),
                            ("en", ("Neural networks", "Faculty of Science", "Term 2025{-}2"))):
        text = tex(data, style, language)
        parts = text.split(r"\begin{document}")
        head = parts[0] if style == "slides" else parts[1][:3000]
        for word in ("symbackprop", *words):
            assert word in head, (style, language, word)
        other = ("Neural networks" if language == "es" else "Redes neuronales")
        assert other not in text


def test_a_missing_key_shows_nothing_and_no_date_is_made_up():
    data = lecture_data()
    for key in HEAD:
        data.pop(key, None)
    slides = tex(data, "slides")
    assert r"\author{}" in slides and r"\institute{}" in slides and r"\date{}" in slides
    assert r"\insertauthor" not in slides and r"\insertdate" not in slides and r"\insertinstitute" not in slides
    for style in ("slides", "article", "exercise", "answers"):
        text = tex(data, style)
        assert r"\today" not in text and r"\maketitle" not in text
        assert r"\large \par" not in text and "{\\par}" not in text        # no empty line in the head
    # one key given: only its line
    text = tex({**data, "author": "symbackprop"}, "article")
    head = text.split(r"\begin{document}")[1].split(r"\end{center}")[0]
    assert "symbackprop" in head and head.count(r"\par") == 3       # title, subtitle, author


def test_title_page_text_is_escaped_for_latex(tmp_path):
    """An author name with every character special to LaTeX, through the solve option."""
    name = r"A&B 100% $5 #1 a_b {c} ~d ^e \f"
    escaped = r"A\&B 100\% \$5 \#1 a\_b \{c\} \textasciitilde{}d \^{}e \textbackslash{}f"
    spec = tmp_path / "net.yaml"
    spec.write_text(LECTURE.read_text(encoding="utf-8"), encoding="utf-8")
    for style in ("slides", "exercise"):
        result = subprocess.run([*command(), "solve", str(spec), "--format", "tex", "--style", style,
                                 "--author", name, "--course", "", "-o", str(tmp_path)],
                                env=env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        text = (tmp_path / f"net-{style}-es.tex").read_text(encoding="utf-8")
        assert escaped in text and name not in text
        assert "Redes neuronales" not in text                     # --course "" leaves it out
        assert "Facultad de Ciencias" in text                     # the spec's, not overridden


def test_options_override_the_spec_in_every_language():
    spec = spec_from_dict({**lecture_data(), **HEAD})
    changed = with_title_page(spec, author="Otra persona", date="", course=None)
    assert changed.title_page_in("en") == {"author": "Otra persona", "course": "Neural networks",
                                           "institution": "Faculty of Science"}
    assert changed.title_page_in("es")["author"] == "Otra persona"
    assert with_title_page(spec) is spec
    with pytest.raises(TypeError):
        with_title_page(spec, teacher="x")
    with pytest.raises(SpecError, match=r"^<options>: author: expected at most 200 characters, found 201$"):
        with_title_page(spec, "<options>", author="x" * 201)


def test_title_page_keys_read_back_and_dates():
    spec = spec_from_dict({**lecture_data(), **HEAD}, "net.yaml")
    assert spec_from_dict(spec_to_dict(spec), "net.yaml") == spec
    assert spec.title_page_in("es")["course"] == "Redes neuronales"
    # a YAML date is kept as written; a single string serves every language
    from symbackprop import spec_from_text
    text = LECTURE.read_text(encoding="utf-8") + "\nauthor: Equipo docente\ndate: 2025-03-10\n"
    spec = spec_from_text(text.replace('author: "symbackprop"\n', "").replace(
        'date: {es: "Semestre 2025-2", en: "Term 2025-2"}\n', ""), "net.yaml")
    assert spec.title_page_in("en")["date"] == "2025-03-10"
    assert spec.title_page_in("en")["author"] == "Equipo docente"


@pytest.mark.parametrize("key, value, place, words", [
    ("author", 3, "author", 'expected a string or one per language ({es: ..., en: ...}), found the number 3 (quote it: author: "3")'),
    ("course", ["a"], "course", "found a list of 1"),
    ("institution", {"fr": "x"}, "institution.fr", "expected a language, es or en, found 'fr'"),
    ("date", {"es": 2025}, "date.es", 'expected a string, found the number 2025 (quote it: es: "2025")'),
    ("date", {}, "date", "found an empty mapping"),
    ("author", True, "author", "found the boolean true"),
    ("course", "x" * 201, "course", "expected at most 200 characters, found 201"),
])
def test_wrong_title_page_values_are_refused_in_one_line(key, value, place, words):
    data = copy.deepcopy(lecture_data())
    data[key] = value
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, "net.yaml")
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"net.yaml: {place}: ")
    assert words in message


def test_the_command_refuses_a_wrong_value_with_exit_code_2(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text(LECTURE.read_text(encoding="utf-8").replace('author: "symbackprop"', "author: [a, b]"),
                    encoding="utf-8")
    result = subprocess.run([*command(), "solve", str(spec), "--format", "tex", "-o", str(tmp_path)],
                            env=env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr == (f"symbackprop: error: {spec}: author: expected a string or one per language "
                             "({es: ..., en: ...}), found a list of 2\n")
    result = subprocess.run([*command(), "solve", str(LECTURE), "--format", "tex", "--date", "x" * 201,
                             "-o", str(tmp_path)], env=env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--date: expected at most 200 characters, found 201" in result.stderr


def test_the_layer_deck_has_the_same_title_page(tmp_path):
    """Reviews (issue 14): the layer deck's title page dropped the author, course, institution
    and date that the spec gives and the network deck shows."""
    from symbackprop.cli import main
    for lang, words in (("es", ("Redes neuronales", "Facultad de Ciencias", "Semestre 2025{-}2")),
                        ("en", ("Neural networks", "Faculty of Science", "Term 2025{-}2"))):
        assert main(["solve", str(LECTURE), "--view", "layers", "--format", "tex", "--lang", lang,
                     "-o", str(tmp_path)]) == 0
        tex = (tmp_path / f"lecture_2_2_2-layers-slides-{lang}.tex").read_text(encoding="utf-8")
        head = tex.split(r"\begin{document}")[0]
        assert r"\author{symbackprop}" in head and all(w in head for w in words), lang
        assert r"\usebeamercolor[fg]{title}" + words[0] in head
