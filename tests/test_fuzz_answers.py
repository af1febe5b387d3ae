"""Fuzzing answers files: what a student hands in, in YAML, JSON or CSV, in any encoding,
with names right, aliased, misspelt or hostile, and values as numbers (. or ,),
expressions, junk, or payloads. Checking must judge them or refuse them in one line."""
from __future__ import annotations

import csv
import io
import json

import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import LECTURE, ROOT
from fuzzing import COUNTS, NASTY_TEXT, NASTY_VALUES, PAYLOADS, fuzz, nothing_executed, refused_cleanly
from symbackprop.api import check_class_file, check_file
from symbackprop.check.judge import Options
from symbackprop.io.jsonio import dumps
from symbackprop.render.check_text import check_document, check_text
from symbackprop.spec.reading import load_spec

SPECS = [load_spec(LECTURE), load_spec(ROOT / "examples" / "net_3_3_3_2.yaml")]
NAMES = ["z1_1", "a1_1", "a2_1", "E", "E1", "w5", "w2_1_1", "nuevo_w5", "new_w2_1_1", "dE/dw5",
         "dE_total/dout_o1", "\\frac{\\partial E}{\\partial w_5}", "δ2_1", "output_o1", "ŷ1", "out_h1",
         "net_h1", "W5", " w5 ", "w5\u200b", "w_5", "w99", "", "E_total", "b1", "dE/dz2_1", "w5,w6"]
VALUES = st.one_of(
    st.sampled_from(["0.41", "0,41", "0.60109", "0.6", "-0.17045", "1e-3", "3/4", "exp(1)", "sigmoid(0.41)",
                     "0.5 - 0.6*0.08", "1/0", "9**9**9", "1e999999", "nan", "inf", "-", "", " ", "0x10",
                     "1" * 3000, "1." + "0" * 1500 + "1", "e", "pi", "2,5,3", "(", "12 345", "0.7349 ± 0.001"]),
    st.sampled_from(PAYLOADS),
    st.decimals(allow_nan=False, allow_infinity=False, places=5).map(str),
    st.text(max_size=20),
)


def judged_or_refused(spec, path) -> None:
    try:
        solution, report = check_file(spec, path, Options())
        document = dumps(check_document(solution, report, "en"))
        assert "NaN" not in document and "Infinity" not in document
        check_text(solution, report, "es", path.name)
    except Exception as exc:  # noqa: BLE001 - judged by refused_cleanly
        refused_cleanly(exc, str(path))
    nothing_executed()


def _encoded(text: str, encoding: str) -> bytes:
    if encoding == "utf-16":
        return text.encode("utf-16")
    if encoding == "cp1252":
        return text.encode("cp1252", errors="replace")
    return text.encode(encoding, errors="surrogatepass")


@fuzz(0.6)
@given(spec=st.sampled_from(SPECS),
       pairs=st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), NASTY_TEXT), VALUES), max_size=12),
       form=st.sampled_from(["yaml", "json", "csv", "csv-header"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_answers_files(spec, pairs, form, encoding, tmp_path):
    COUNTS["answers"] += 1
    if form.startswith("csv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if form == "csv-header":
            writer.writerow(["quantity", "value"])
        writer.writerows(pairs)
        text, suffix = buffer.getvalue(), ".csv"
    elif form == "json":
        text, suffix = json.dumps(dict(pairs), ensure_ascii=False), ".json"
    else:
        text, suffix = yaml.safe_dump(dict(pairs), allow_unicode=True), ".yaml"
    path = tmp_path / f"student{suffix}"
    try:
        path.write_bytes(_encoded(text, encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8", errors="replace"))
    judged_or_refused(spec, path)


@fuzz(0.2)
@given(content=st.one_of(st.binary(max_size=300), NASTY_VALUES.map(lambda v: json.dumps(v).encode()),
                         NASTY_VALUES.map(lambda v: yaml.safe_dump(v).encode()),
                         st.sampled_from([b"[" * 100_000, b"{\"a\":" * 50_000, b"a,b\n" + b"x" * 200_000 + b",1\n",
                                          b"w5,0.1\x00\n", b"\xff\xfe\x00", b"\xef\xbb\xbf", b"w5: &a [*a]",
                                          b"w5: !!python/object/apply:os.system ['touch x']"])),
       suffix=st.sampled_from([".yaml", ".json", ".csv", ".txt"]))
def test_raw_answers_files(content, suffix, tmp_path):
    COUNTS["answers"] += 1
    path = tmp_path / f"raw{suffix}"
    path.write_bytes(content)
    judged_or_refused(SPECS[0], path)


@fuzz(0.2)
@given(header=st.lists(st.one_of(st.sampled_from(NAMES), NASTY_TEXT), min_size=0, max_size=5),
       rows=st.lists(st.lists(st.one_of(VALUES, NASTY_TEXT), max_size=6), max_size=6))
def test_class_files(header, rows, tmp_path):
    COUNTS["answers"] += 1
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["student"] + header] + rows)
    path = tmp_path / "class.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass") if False else \
        path.write_bytes(buffer.getvalue().encode("utf-8", errors="replace"))
    try:
        check_class_file(SPECS[0], path, Options())
    except Exception as exc:  # noqa: BLE001
        refused_cleanly(exc, str(path))
    nothing_executed()
