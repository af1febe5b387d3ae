"""The README's "In Python and in a notebook" section (issue 16): every snippet runs as written
(our own README text, executed as a test), and does what its comments say."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## In Python and in a notebook"):]
    section = section[:section.index("\n## ", 3)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_every_snippet_of_the_api_section_runs(tmp_path, monkeypatch, capsys):
    blocks = _blocks()
    assert blocks, "the README's API section has no python block"
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("0.249089541460376") and out[0].split()[1].startswith("0.451878125424")
    assert out[1].startswith("**How much does $w_{5} = 0.5$ contribute to")
    assert out[2] == "True"
    assert out[3].startswith("0.451878125424")            # train's one SGD step: the lecture's nuevo_w5
    assert (tmp_path / "vanishing.png").read_bytes().startswith(b"\x89PNG")
    assert "\\begin{document}" in (tmp_path / "output" / "lecture-slides-es.tex").read_text()
    assert "def " in (tmp_path / "network.py").read_text()
    import xml.etree.ElementTree as ET
    drawing = ET.fromstring((tmp_path / "graph.svg").read_text(encoding="utf-8"))
    assert [t.text for t in drawing.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "grad"][:2] == ["−4", "−4"]
