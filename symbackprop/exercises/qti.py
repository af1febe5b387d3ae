"""QTI 1.2 for Canvas (and the other platforms that import IMS QTI 1.2: Brightspace, Blackboard,
Inspera, ...): a zip holding ``imsmanifest.xml`` and one assessment per variant.

    data = qti_zip(questions(variants, steps, language), title)   # bytes of qti.zip

Each asked step of a variant is one numerical item (Canvas's ``numerical_question``): a decimal
fill-in-the-blank scored 100 when the answer lies in the interval `check` accepts (``low`` and
``high`` of ``questions``, from :mod:`symbackprop.check.tolerance`, written as vargte/varlte,
Canvas's "answer in range"), with the worked solution as the item's general feedback. A
variant is one assessment (one Canvas quiz, named after the variant or the student), so a
lecturer can assign each quiz to its student; QTI itself cannot name a student. The zip is
byte-identical for the same questions (fixed timestamps, entries in variant order).
"""
from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from typing import Any

from .lms import _solution_html as solution_html     # the worked solution, as Moodle shows it


__all__ = ["QTI_NAMESPACE", "assessment_xml", "manifest_xml", "qti_zip", "accepted", "plain"]

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_SCHEMA = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
CP_NAMESPACE = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_SCHEMA = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)       # the zip's timestamps: none, so the bytes never change


def accepted(item: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The closed interval of answers scored correct: the one `check` accepts as correct or
    rounding (:func:`symbackprop.check.tolerance.step_interval`, computed by ``questions``)."""
    return item["low"], item["high"]


def plain(value: Decimal) -> str:
    """A decimal number as every importer reads it: no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def _ident(text: str) -> str:
    """An identifier safe in every importer: letters, digits, '_', '-' and '.'."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = label
    ET.SubElement(field, "fieldentry").text = entry


def _html(parent: ET.Element, html: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = html


def _item(section: ET.Element, item: dict[str, Any], ident: str) -> None:
    element = ET.SubElement(section, "item", {"ident": ident, "title": f"{item['name']}: {item['quantity']}"})
    metadata = ET.SubElement(ET.SubElement(element, "itemmetadata"), "qtimetadata")
    _field(metadata, "question_type", "numerical_question")
    _field(metadata, "points_possible", "1.0")
    presentation = ET.SubElement(element, "presentation")
    _html(presentation, f"<p>{item['question']}</p>")
    response = ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
    ET.SubElement(ET.SubElement(response, "render_fib", {"fibtype": "Decimal"}), "response_label",
                  {"ident": "answer1"})
    processing = ET.SubElement(element, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar",
                  {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    # the worked solution, shown whatever the answer (Canvas's "general feedback")
    always = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
    ET.SubElement(ET.SubElement(always, "conditionvar"), "other")
    ET.SubElement(always, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"})
    low, high = accepted(item)
    right = ET.SubElement(processing, "respcondition", {"continue": "No"})
    condition = ET.SubElement(right, "conditionvar")
    ET.SubElement(condition, "vargte", {"respident": "response1"}).text = plain(low)
    ET.SubElement(condition, "varlte", {"respident": "response1"}).text = plain(high)
    ET.SubElement(right, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    feedback = ET.SubElement(element, "itemfeedback", {"ident": "general_fb"})
    _html(ET.SubElement(feedback, "flow_mat"), solution_html(item))


def _variants(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item["variant"], []).append(item)
    return [groups[k] for k in sorted(groups)]


def _stem(title: str, variant: list[dict[str, Any]]) -> str:
    """The assessment's identifier: the same title and variant give the same one, so a second
    import of the same file is recognised as the same quiz."""
    digest = hashlib.sha256(f"{title}|{variant[0]['name']}".encode()).hexdigest()[:12]
    return f"symbackprop-{digest}-v{variant[0]['variant']:03d}"


def _document(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def assessment_xml(variant: list[dict[str, Any]], title: str) -> str:
    """One variant's questions as a QTI 1.2 assessment: one section, one item per step."""
    stem = _stem(title, variant)
    root = ET.Element("questestinterop", {"xmlns": QTI_NAMESPACE, "xmlns:xsi": XSI,
                                          "xsi:schemaLocation": f"{QTI_NAMESPACE} {QTI_SCHEMA}"})
    assessment = ET.SubElement(root, "assessment", {"ident": stem, "title": f"{title}: {variant[0]['name']}"})
    _field(ET.SubElement(assessment, "qtimetadata"), "cc_maxattempts", "1")
    section = ET.SubElement(assessment, "section", {"ident": "root_section"})
    seen: set[str] = set()
    for item in variant:
        ident = f"{stem}-{_ident(item['quantity'])}"
        while ident in seen:                   # two quantities that differ only in '/' vs '_'
            ident += "_"
        seen.add(ident)
        _item(section, item, ident)
    return _document(root)


def manifest_xml(title: str, files: list[tuple[str, str]]) -> str:
    """An IMS Content Packaging manifest naming each (identifier, file) as a QTI 1.2 resource."""
    digest = hashlib.sha256(title.encode()).hexdigest()[:12]
    root = ET.Element("manifest", {"identifier": f"symbackprop-{digest}", "xmlns": CP_NAMESPACE,
                                   "xmlns:xsi": XSI, "xsi:schemaLocation": f"{CP_NAMESPACE} {CP_SCHEMA}"})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for identifier, href in files:
        resource = ET.SubElement(resources, "resource", {"identifier": identifier, "type": "imsqti_xmlv1p2",
                                                         "href": href})
        ET.SubElement(resource, "file", {"href": href})
    return _document(root)


def qti_zip(items: list[dict[str, Any]], title: str) -> bytes:
    """The zip Canvas's "QTI .zip file" import takes: the manifest and one assessment per variant."""
    entries: list[tuple[str, str]] = []
    resources: list[tuple[str, str]] = []
    for variant in _variants(items):
        stem = _stem(title, variant)
        href = f"{stem}/{stem}.xml"
        entries.append((href, assessment_xml(variant, title)))
        resources.append((stem, href))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("imsmanifest.xml", manifest_xml(title, resources))] + entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
