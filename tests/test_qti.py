"""The QTI 1.2 zip (Canvas) and Blackboard's upload file, against the formats' published
structure: each assessment is validated by lxml against IMS's QTI ASI 1.2.1 DTD
(``ims_qtiasiv1p2p1.dtd``, "Final release", 14 Feb 2003, as the pyslet sdist on PyPI carries
it: `make install-test` puts it in tests/.schemas), the package against IMS Content
Packaging's rules for a manifest, and the .txt against Blackboard's documented rules for
"Upload Questions". The intervals are checked against students who work the lecture's network
by hand (tests/reference.py), not against the code that made them.

Without the DTD the validation skips on a laptop and fails in CI (CI or
SYMBACKPROP_REQUIRE_QTI_SCHEMA set)."""
from __future__ import annotations

import hashlib
import io
import os
import re
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import mpmath
import pytest

from symbackprop.exercises.blackboard import BLACKBOARD_ROWS, blackboard_txt
from symbackprop.exercises.lms import default_steps, questions
from symbackprop.exercises.qti import qti_zip
from symbackprop.exercises.variants import Variant, make_variants

from reference import hand_222

SDIST = Path(__file__).parent / ".schemas" / "pyslet-0.7.20170805.tar.gz"
DTD_MEMBER = "pyslet-0.7.20170805/unittests/data_imsqtiv1p2p1/ims_qtiasiv1p2p1.dtd"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def _dtd():
    """IMS's QTI 1.2.1 DTD as lxml reads it, or a skip (a failure in CI) when it is missing."""
    if _required():
        from lxml import etree as lxml
    else:
        lxml = pytest.importorskip("lxml.etree")
    if not SDIST.exists():
        message = f"the QTI 1.2.1 DTD is not there ({SDIST}): run `make install-test`"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    with tarfile.open(SDIST) as archive:
        text = archive.extractfile(DTD_MEMBER).read()
    assert b"TITLE:\t\tims_qtiasiv1p2p1.dtd" in text and b"approved as a Final release" in text
    assert hashlib.sha256(text).hexdigest() == DTD_DIGEST
    return lxml.DTD(io.BytesIO(text))


#: the DTD as IMS published it, inside pyslet 0.7.20170805 (any other bytes fail the test)
DTD_DIGEST = "c991ca648247cde8f228500a4ffb7e3578505c451f54150f43258b7f1ab445bd"


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_QTI_SCHEMA"))


def _without_namespace(xml: bytes) -> bytes:
    """The same document without the root's namespace declarations: a DTD names elements and
    attributes without namespaces (the XSD binding of QTI 1.2 puts the same elements in
    ims_qtiasiv1p2), so only those three attributes of <questestinterop> go."""
    head, rest = xml.split(b"<questestinterop ", 1)
    tag, body = rest.split(b">", 1)
    assert re.fullmatch(rb'xmlns="[^"]+" xmlns:xsi="[^"]+" xsi:schemaLocation="[^"]+"', tag), tag
    return head + b"<questestinterop>" + body


@pytest.fixture(scope="module")
def lecture_and_variants(lecture_spec):
    return [Variant(1, "lecture", lecture_spec)] + [Variant(v.number + 1, v.name, v.spec)
                                                   for v in make_variants(lecture_spec, 3, seed=1)]


@pytest.fixture(scope="module")
def items(lecture_and_variants):
    return questions(lecture_and_variants, None, "es")


@pytest.fixture(scope="module")
def package(items):
    return zipfile.ZipFile(io.BytesIO(qti_zip(items, "Red 2-2-2 / ejercicio")))


def test_every_assessment_is_valid_against_the_qti_dtd(package):
    dtd = _dtd()
    from lxml import etree
    names = [n for n in package.namelist() if n != "imsmanifest.xml"]
    assert len(names) == 4
    for name in names:
        document = etree.fromstring(_without_namespace(package.read(name)))
        assert dtd.validate(document), (name, dtd.error_log.filter_from_errors())
    # and the DTD does refuse a broken item: a <resprocessing> without its <outcomes>
    broken = _without_namespace(package.read(names[0])).replace(b"<outcomes>", b"<qticomment>", 1) \
        .replace(b"</outcomes>", b"</qticomment>", 1)
    assert not dtd.validate(etree.fromstring(broken))


def test_the_package_follows_content_packaging(package):
    """IMS CP 1.1: imsmanifest.xml at the root of the zip; <manifest identifier> holding
    <organizations> then <resources>; each <resource> with an identifier (unique), a type
    (imsqti_xmlv1p2 for a QTI 1.2 assessment) and an href to a file the package holds, listed
    again as a <file href>."""
    assert package.namelist()[0] == "imsmanifest.xml"
    root = ET.fromstring(package.read("imsmanifest.xml"))
    assert root.tag == f"{CP}manifest" and root.get("identifier")
    assert [c.tag for c in root] == [f"{CP}metadata", f"{CP}organizations", f"{CP}resources"]
    resources = root.findall(f"{CP}resources/{CP}resource")
    identifiers = [r.get("identifier") for r in resources]
    assert len(set(identifiers)) == len(identifiers) == 4
    files = set(package.namelist())
    for r in resources:
        assert r.get("type") == "imsqti_xmlv1p2"
        assert r.get("href") in files and [f.get("href") for f in r.findall(f"{CP}file")] == [r.get("href")]
        assessment = ET.fromstring(package.read(r.get("href"))).find(f"{QTI}assessment")
        assert assessment.get("ident") == r.get("identifier")


def _decimal(v) -> Decimal:
    return Decimal(mpmath.nstr(v, 40, strip_zeros=False))


def test_each_item_accepts_the_hand_calculations_and_nothing_far(package, lecture_and_variants, items):
    """One item per step per variant, in order; its range (vargte, varlte) holds what a student
    writes who works the network by hand at 5 decimals, rounding or cutting every value, and
    holds no value 3 units away from the exact one."""
    steps = default_steps(lecture_and_variants[0].spec)
    names = [n for n in package.namelist() if n != "imsmanifest.xml"]
    unit = Decimal("0.00001")
    for name, case in zip(names, lecture_and_variants):
        root = ET.fromstring(package.read(name))
        assessment = root.find(f"{QTI}assessment")
        assert assessment.get("title") == f"Red 2-2-2 / ejercicio: {case.name}"
        found = assessment.findall(f"{QTI}section/{QTI}item")
        assert [i.get("title") for i in found] == [f"{case.name}: {q}" for q in steps]
        with mpmath.workdps(50):
            exact = hand_222(case.spec)
            by_hand = [hand_222(case.spec, 5, mode) for mode in ("round", "trunc")]
        for item, q in zip(found, steps):
            fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            assert fields["question_type"] == "numerical_question"
            assert item.find(f".//{QTI}render_fib").get("fibtype") == "Decimal"
            scored = [c for c in item.iter(f"{QTI}respcondition") if c.findtext(f"{QTI}setvar") == "100"]
            assert len(scored) == 1
            low = Decimal(scored[0].findtext(f"{QTI}conditionvar/{QTI}vargte"))
            high = Decimal(scored[0].findtext(f"{QTI}conditionvar/{QTI}varlte"))
            assert (low, high) == next((i["low"], i["high"]) for i in items
                                       if i["name"] == case.name and i["quantity"] == q)
            for student in by_hand:
                assert low <= _decimal(student[q]) <= high, (case.name, q)
            v = _decimal(exact[q])
            assert low > v - 3 * unit and high < v + 3 * unit, (case.name, q)
            feedback = item.find(f"{QTI}itemfeedback/{QTI}flow_mat/{QTI}material/{QTI}mattext")
            assert feedback.get("texttype") == "text/html" and feedback.text.startswith("<p>\\(")


def test_the_zip_is_reproducible(items):
    assert qti_zip(items, "t") == qti_zip(items, "t")
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(io.BytesIO(qti_zip(items, "t"))).infolist())


# ----------------------------------------------------------------------------- Blackboard

def test_blackboard_rows_follow_the_documented_format(items, lecture_and_variants):
    """Blackboard Learn, "Upload Questions": a tab-delimited text file, no header row, no blank
    line, one question a row, the first field the question type; a numeric response is
    NUM TAB question text TAB answer TAB [optional]tolerance (the answer ± the tolerance
    scores); at most 500 rows a file are recommended."""
    text = blackboard_txt(items)
    assert text.endswith("\n") and "\r" not in text
    rows = text[:-1].split("\n")
    assert len(rows) == len(items) <= BLACKBOARD_ROWS and all(rows)
    with mpmath.workdps(50):
        by_hand = [hand_222(c.spec, 5, mode) for c in lecture_and_variants for mode in ("round", "trunc")]
    steps = default_steps(lecture_and_variants[0].spec)
    for k, row in enumerate(rows):
        fields = row.split("\t")
        assert len(fields) == 4 and fields[0] == "NUM"
        assert fields[1].startswith("<p><b>") and "\\(" in fields[1] and "\n" not in fields[1]
        answer, tolerance = Decimal(fields[2]), Decimal(fields[3])
        assert tolerance > 0 and re.fullmatch(r"-?\d+\.\d+", fields[2]) and re.fullmatch(r"\d+\.\d+", fields[3])
        # the very interval `check` accepts (symbackprop.check.tolerance, tried on simulated
        # students in test_tolerance.py), as Blackboard's answer ± tolerance
        assert (answer - tolerance, answer + tolerance) == (items[k]["low"], items[k]["high"])
        case, q = divmod(k, len(steps))
        for student in by_hand[2 * case: 2 * case + 2]:
            assert abs(_decimal(student[steps[q]]) - answer) <= tolerance


def test_blackboard_folds_tabs_and_line_breaks(items):
    item = dict(items[0], question="a\tb\nc  d", name="x")
    assert blackboard_txt([item]).split("\t")[1] == "<p><b>x</b></p><p>a b c d</p>"
