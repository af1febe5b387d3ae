"""A contact sheet of a deck: every page of a PDF, small, in a grid, as one PNG.

    python tools/contact_sheet.py output/lecture_2_2_2-slides-es.pdf docs/lecture-slides-es.png

Pages are rendered with poppler's ``pdftoppm`` (as the README's checks do) and tiled with
Pillow, each under its page number. Used for the README's picture of the lecture deck.
"""
from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw


def contact_sheet(pdf: Path, out: Path, columns: int = 8, width: int = 240, dpi: int = 40) -> tuple[int, int]:
    """Write the sheet; return (pages, columns)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), f"{tmp}/p"], check=True)
        pages = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        if not pages:
            raise SystemExit(f"{pdf}: no pages")
        thumbs = []
        for page in pages:
            with Image.open(page) as im:
                im = im.convert("RGB")
                thumbs.append(im.resize((width, round(im.height * width / im.width))))
    gap, label = 6, 14
    cell_h = max(t.height for t in thumbs) + label
    rows = math.ceil(len(thumbs) / columns)
    sheet = Image.new("RGB", (columns * (width + gap) + gap, rows * (cell_h + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    for n, thumb in enumerate(thumbs):
        x = gap + (n % columns) * (width + gap)
        y = gap + (n // columns) * (cell_h + gap)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x, y, x + thumb.width - 1, y + thumb.height - 1), outline=(170, 170, 170))
        draw.text((x + 2, y + thumb.height + 1), str(n + 1), fill=(60, 60, 60))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".tmp.png")
    sheet.save(tmp_out, optimize=True)
    tmp_out.replace(out)
    return len(thumbs), columns


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="every page of a PDF, small, in one PNG")
    p.add_argument("pdf", type=Path)
    p.add_argument("png", type=Path)
    p.add_argument("--columns", type=int, default=8, help="pages per row (default 8)")
    args = p.parse_args(argv)
    pages, _ = contact_sheet(args.pdf, args.png, args.columns)
    print(f"{args.png}: {pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
