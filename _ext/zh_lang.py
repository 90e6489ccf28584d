"""Mark Chinese text as Simplified Chinese, so a browser picks a Simplified Chinese face.

The book's pages are English (``<html lang="en">``), and a browser renders Han characters in
an English page with whatever CJK font it finds first — often a Japanese one, whose glyphs
differ from the Simplified Chinese forms NNDL uses. When the HTML build has finished, every
run of Han characters (with the CJK punctuation around and between them) in the ``<body>``
of each page — article, navigation and search results alike — is wrapped in
``<span lang="zh-Hans">``. Text inside ``<script>``, ``<style>`` and ``<textarea>`` and inside
tags (attribute values) is left alone.
"""

import re
from pathlib import Path

# Han ideographs (basic block and extension A), CJK punctuation and full-width forms; a run
# may contain spaces and the punctuation 《》、，。：；（） between its characters.
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
RUN = re.compile(f"[{CJK_PUNCT}]*[{HAN}](?:[{HAN}{CJK_PUNCT} ]*[{HAN}{CJK_PUNCT}])?")
# A page split into tags, raw-text elements and text between them.
PIECES = re.compile(r"(<(script|style|textarea)\b.*?</\2\s*>|<[^>]*>)", re.S | re.I)


def mark_chinese(html: str) -> str:
    """``html`` with every run of Chinese text in its text nodes wrapped in a zh-Hans span."""
    out = []
    for piece in PIECES.split(html):
        if piece is None or piece.lower() in {"script", "style", "textarea"}:
            continue  # the group that names the raw-text element
        if piece.startswith("<"):
            out.append(piece)
        else:
            out.append(RUN.sub(lambda m: f'<span lang="zh-Hans">{m.group(0)}</span>', piece))
    return "".join(out)


def _mark_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        head, sep, body = text.partition("<body")
        if sep:
            marked = head + sep + mark_chinese(body)
            if marked != text:
                page.write_text(marked, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _mark_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
