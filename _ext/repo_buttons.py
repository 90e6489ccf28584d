"""Show the repository, issue and launch buttons only when the book's repository is set.

``repository.url`` in ``_config.yml`` is the one setting a publisher fills in. While it is
empty, a button would point at nothing (or at a made-up repository), so none is shown: no
repository or issue button, and no Binder or Colab launch button. Once it is set, all of
them are.
"""


def _buttons(app, config):
    options = dict(config.html_theme_options or {})
    url = (options.get("repository_url") or "").strip()
    options["use_repository_button"] = options["use_issues_button"] = bool(url)
    if url:
        options["repository_url"] = url
    else:
        options.pop("repository_url", None)
        options["launch_buttons"] = {}
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _buttons, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
