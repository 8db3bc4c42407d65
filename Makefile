# The two commands the README promises: `make demo` (the offline sandbox) and `make test`.
# Each creates .venv with the Python it finds and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean

$(BIN)/stride: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(BIN)/stride

install: $(BIN)/stride

demo: install
	$(BIN)/stride sandbox

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/stride content check
	$(BIN)/pytest -n 6 --dist worksteal  # e2e stories mostly wait on Telegram pacing (CPU ~20 %): 6 workers overlap them; worksteal keeps the long stories from forming a tail

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
