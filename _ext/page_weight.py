"""Keep what a reader's browser downloads small, and list the glossary once in a search.

What every page of the stock theme loads and this book does not need:

- FontAwesome's all-icons JavaScript (``fontawesome.js``, pydata-sphinx-theme). It turns
  each ``<i>`` icon into an inline SVG and registers custom icons; the book has no custom
  icons, and the theme's stylesheet already draws every icon from FontAwesome's webfonts.
  ``templates/layout.html`` drops the script tag.
- Sphinx's search scripts and the whole search index on every page, loaded for the theme's
  search-as-you-type, which is off (the search page loads them itself). Dropped by the same
  template.
- The saved ipywidgets state that myst-nb writes into a notebook page. Only the ipywidgets
  HTML manager reads it, and the book does not load that manager (``nb_ipywidgets_js: {}``
  in ``_config.yml``): the slider figures are self-contained players.

MathJax is loaded only on pages with formulas (Sphinx's default, kept), and as the components
the book uses rather than the combined ``tex-chtml.js`` that sphinx-mathjax-offline selects:
TeX input (its autoload fetches the rarer macros' packages when a page uses one), CommonHTML
output, and the hidden MathML that screen readers read. Left out is MathJax's right-click menu
(``ui/menu``), over a third of ``tex-chtml.js``. sphinx-mathjax-offline sets ``mathjax_path``
in its ``setup()``, over any value in ``_config.yml``, so the choice is made here.

On ``search.html`` it adds ``static/glossary_search.js``, which keeps one result per glossary
(see that file for why Sphinx lists it several times).
"""

from pathlib import Path

HERE = Path(__file__).parent
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MATHJAX_PATH = "mathjax/startup.js"  # in _static, copied there by sphinx-mathjax-offline
MATHJAX_COMPONENTS = ["input/tex", "output/chtml", "a11y/assistive-mml"]


def _configure(app, config):
    config.templates_path = [str(HERE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]
    config.mathjax_path = MATHJAX_PATH
    mathjax3 = dict(config.mathjax3_config or {})
    mathjax3["loader"] = {**mathjax3.get("loader", {}), "load": MATHJAX_COMPONENTS}
    config.mathjax3_config = mathjax3


def _glossary_docs(env) -> list[str]:
    """The documents that define glossary terms."""
    objects = env.get_domain("std").objects
    return sorted({docname for (objtype, _name), (docname, _id) in objects.items()
                   if objtype == "term"})


def _page(app, pagename, templatename, context, doctree):
    if app.builder.format != "html":
        return
    # context["script_files"] is the builder's list for this page (restored after it)
    scripts = context.get("script_files")
    if scripts is not None:
        scripts[:] = [js for js in scripts if js.attributes.get("type") != WIDGET_STATE]
    if pagename == "search":
        docs = _glossary_docs(app.env)
        if docs:
            app.add_js_file("glossary_search.js", loading_method="defer",
                            **{"data-glossary-docs": ",".join(docs)})


def setup(app):
    app.connect("config-inited", _configure)
    # after myst-nb adds a notebook page's scripts (priority 500)
    app.connect("html-page-context", _page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
