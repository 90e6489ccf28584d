"""Markdown links to a label on another page: ``[text](05_lstm.ipynb#eq-lstm)``.

A notebook refers to what JupyterLab cannot resolve -- a label on another page, a figure
named in a code cell's metadata, a bibliography entry -- by a Markdown link with its text
written out: Lab (jupyterlab-myst) shows the text and opens the other page when the link is
followed, while a ``{ref}``, ``{eq}``, ``{numref}`` or ``{cite}`` role there shows its raw
label with a warning sign. myst-parser resolves the ``#...`` of a link to another page only
against that page's heading anchors; this post-transform runs just before myst-parser's
resolver and makes such a link point at the label instead:

* the label must be on the page the link names (a warning otherwise: ``-W`` fails the build);
  a label that is nowhere is left to myst-parser, which warns too;
* a link to an equation must read as the equation's number in the book, ``(5.3)`` (it is
  numbered by ``_ext/eq_numbers.py``); a warning says which number when it does not.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import NoUri
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)


class PageLabelLinks(SphinxPostTransform):
    """Resolve ``[text](page#label)`` where ``label`` is a label on ``page``."""

    default_priority = 8  # myst-parser's MystReferenceResolver runs at 9

    def run(self, **kwargs) -> None:
        std = self.env.get_domain("std")
        equations = self.env.get_domain("math").equations  # label -> (docname, number)
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain") != "doc":
                continue
            page, label = node["reftarget"], node.get("reftargetid")
            if not label or label in self.env.metadata.get(page, {}).get("myst_slugs", {}):
                continue  # a plain link to a page, or to a heading anchor: myst-parser's
            if label in equations:
                where, number = equations[label]
                target = nodes.make_id(f"equation-{label}")
                if node.astext() != f"({number})":
                    logger.warning(f"link text {node.astext()!r} to equation {label!r} "
                                   f"should be its number, ({number})", location=node)
            elif label in std.anonlabels:
                where, target = std.anonlabels[label]
            else:
                continue  # myst-parser warns: "local id not found"
            if where != page:
                logger.warning(f"label {label!r} is on page {where!r}, not on {page!r}",
                               location=node)
                continue
            inner = nodes.inline("", "", *node[0].children, classes=["std", "std-ref"]) \
                if node.children and isinstance(node[0], nodes.Element) \
                else nodes.inline(node.astext(), node.astext(), classes=["std", "std-ref"])
            try:
                ref = make_refnode(self.app.builder, node.get("refdoc", self.env.docname),
                                   where, target, inner)
            except NoUri:  # a builder without pages
                ref = inner
            node.replace_self(ref)


def setup(app):
    app.add_post_transform(PageLabelLinks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
