# The book's pipeline. Quick start (README.md): `make book`, then `make test`.
# Everything runs inside .venv, created on first use from the pinned requirements.txt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The interpreter that creates .venv: python3.11 when it is on PATH, else python3.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# Tools of the venv come first on PATH, so notebook kernels run the venv's python too.
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Shell code that sets the shell variable nbs to the notebooks in _toc.yml, or stops the
# recipe when tests/book_toc.py fails or lists none. (A bare $(...) inside a command's
# arguments does not trip `set -e`: nbval would then collect no notebook and pass, and
# `make notebooks` would loop zero times.) Use it as `@$(TOC_NOTEBOOKS); command $$nbs`.
TOC_NOTEBOOKS = nbs="$$($(BIN)/python tests/book_toc.py --notebooks)"; \
  test -n "$$nbs" || { echo "tests/book_toc.py listed no notebook from _toc.yml" >&2; exit 1; }
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Test processes run side by side (pytest-xdist): JOBS=1 runs them one after the other.
# Where they compute (unit tests, nbval kernels) OpenBLAS keeps to one thread per process:
# JOBS processes each with a thread per core would oversubscribe the cores, and OpenBLAS's
# idle threads spin while they wait.
JOBS ?= 2

# Shell code that runs the command after it with no network. Preferred: a new network
# namespace with no interface up (`unshare -rn`; works as root, and as a user where user
# namespaces are allowed). Always, in addition: every proxy variable points at a closed local
# port, so an HTTP fetch (requests / urllib honour them) fails at once even where unshare is
# not allowed. With -W, a fetch that fails (an intersphinx inventory, say) fails the build.
DEAD_PROXY := http://127.0.0.1:9
OFFLINE = if unshare -rn true 2>/dev/null; then isolate="unshare -rn"; \
    echo "offline: network namespace without network (unshare -rn)"; \
  else isolate=""; \
    echo "offline: unshare -rn not allowed here; proxies set to $(DEAD_PROXY) instead"; fi; \
  env http_proxy=$(DEAD_PROXY) https_proxy=$(DEAD_PROXY) HTTP_PROXY=$(DEAD_PROXY) \
    HTTPS_PROXY=$(DEAD_PROXY) all_proxy=$(DEAD_PROXY) ALL_PROXY=$(DEAD_PROXY) \
    no_proxy= NO_PROXY= $$isolate

define section
	@printf '\n\033[1m==== %s ====\033[0m\n' $(1)
endef

.PHONY: help venv book serve test lab notebooks references clean lint unit nbval hygiene build \
  browser labtest

help:
	@echo "make book       build the HTML book into _build/html (creates .venv if needed)"
	@echo "make serve      serve _build/html on http://127.0.0.1:$(PORT)/ (PORT=... to change)"
	@echo "make test       everything CI runs: ruff, unit tests, nbval, hygiene, clean build, browser, Lab"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make notebooks  re-execute every notebook in the toc in place (outputs + widget state)"
	@echo "make references write references.md's entries from references.bib"
	@echo "make clean      remove _build and caches (keeps .venv)"

# ---- environment -------------------------------------------------------------------------
$(STAMP): requirements.txt pyproject.toml
	$(call section,"environment: $(VENV) from requirements.txt")
	@if [ ! -x "$(BIN)/python" ]; then \
	  echo "creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"; \
	  $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	@# build matplotlib's font cache now, so no notebook prints "building the font cache"
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $(STAMP)

venv: $(STAMP)

# ---- the book ----------------------------------------------------------------------------
book: venv
	$(call section,"book: jupyter-book build --all (from the committed notebook outputs)")
	@$(OFFLINE) $(BIN)/jupyter-book build --all -W -n --keep-going .
	@echo
	@echo "Read the book: run \`make serve\` and open http://127.0.0.1:$(PORT)/"
	@echo "(served over HTTP, so the search works; opened as a file:// page it does not)"

# The built book over HTTP on this machine only (the search box fetches its index, which a
# browser refuses for file:// pages). Ctrl-C stops it.
PORT ?= 8000
serve:
	@test -f _build/html/index.html || { echo "no built book: run \`make book\` first" >&2; exit 1; }
	@echo "Serving _build/html on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

# As root (containers, cloud notebooks) JupyterLab refuses to start without --allow-root.
lab: venv
	@echo "JupyterLab on the repository; the chapters are in chapters/ (Ctrl-C to stop)"
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  $$([ "$$(id -u)" -eq 0 ] && echo --allow-root) chapters

notebooks: venv
	$(call section,"notebooks: re-execute every notebook in the toc in place")
	@$(TOC_NOTEBOOKS); \
	for nb in $$nbs; do \
	  echo "executing $$nb"; \
	  OPENBLAS_NUM_THREADS=1 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.store_widget_state=True \
	    --ExecutePreprocessor.record_timing=False "$$nb"; \
	  $(BIN)/python tests/widget_state.py "$$nb"; \
	done

# The references page's entries come from references.bib (_ext/bibliography.py); the build
# and the hygiene test fail when they differ.
references: venv
	$(BIN)/python _ext/bibliography.py

# ---- tests (make test runs them all, in this order) ---------------------------------------
lint: venv
	$(call section,"1/7 ruff check src tests benchmarks _ext chapters")
	$(BIN)/ruff check src tests benchmarks _ext chapters

unit: venv
	$(call section,"2/7 unit tests of rnnlab (pytest tests/)")
	OPENBLAS_NUM_THREADS=1 $(BIN)/pytest -n $(JOBS) -m "not hygiene and not browser and not lab" tests

# A notebook's cells stay in one test process (--dist loadfile): they share a kernel, in order.
nbval: venv
	$(call section,"3/7 strict nbval: re-execute every notebook in the toc and compare outputs")
	@$(TOC_NOTEBOOKS); \
	echo "pytest $(NBVAL)" $$nbs; \
	OPENBLAS_NUM_THREADS=1 $(BIN)/pytest -n $(JOBS) --dist loadfile $(NBVAL) $$nbs

hygiene: venv
	$(call section,"4/7 notebook hygiene: toc matches files; executed in order; citations and references that JupyterLab resolves; errors only where tagged raises-exception; no stderr or False verdicts; every slider a numbered figure with both views; frames within 100 ms; under 3 MB; included code fits its code box")
	$(BIN)/pytest -m hygiene tests

build: venv
	$(call section,"5/7 book build from a clean _build: warnings are errors and no network")
	rm -rf _build
	@$(OFFLINE) $(BIN)/jupyter-book build --all -W -n --keep-going .

# `browser` depends on `build`, so `make browser` alone never tests a stale or missing
# _build; within `make test` make runs `build` once. (Running `pytest -m browser` directly
# fails when _build/html is missing or older than a page's source.)
browser: build
	$(call section,"6/7 browser test: Chromium over _build/html with every non-local request blocked")
	rm -rf _build/browser/first-visit
	$(BIN)/pytest -n $(JOBS) -m browser tests
	@printf '\nFirst visit, empty cache (1 MB = 10^6 bytes):\n%-36s %5s %4s   %s\n' \
	  page MB reqs "largest download"
	@cat _build/browser/first-visit/*.txt

# JupyterLab itself: a server on a free local port over a copy of one light chapter, Run All,
# a live slider moved (tests/test_lab.py). Needs no build.
labtest: venv
	$(call section,"7/7 JupyterLab test: MyST rendered; solution hidden; a live slider recomputes")
	$(BIN)/pytest -m lab tests

test: lint unit nbval hygiene build browser labtest
	$(call section,"make test: all checks passed")

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
