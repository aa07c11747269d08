# Two commands for readers (`make serve`, `make test`) and a few for maintainers.
# The first run creates .venv and installs everything into it; later runs reuse it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The PyTorch release the site's outputs are made with. `make TORCH=torch serve` takes the newest
# on a fresh checkout (or after `make clean`).
TORCH  ?= torch==2.13.0
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test build clean

serve: $(STAMP)  ## serve the site at http://127.0.0.1:8000, rebuilding pages as they change
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

test: $(STAMP)  ## run every test: lesson cells, docstring examples, unit tests
	$(BIN)/python -m pytest -n auto --dist loadfile  # a worker per core; a file stays in one

build: $(STAMP)  ## build the static site into site/ for hosting
	$(BIN)/mkdocs build --strict

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) site .cache
