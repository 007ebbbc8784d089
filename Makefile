# Two commands for a fresh machine with Python 3.11+:  make run  |  make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test venv index clean

$(BIN)/clio: pyproject.toml setup.py bot/ingest/_words.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/clio

venv: $(BIN)/clio

run: venv  ## install, then chat with Clio on the bundled pack (no token needed)
	$(BIN)/clio chat

test: venv  ## install, then run the whole test suite
	$(BIN)/python -m pytest

index: venv
	$(BIN)/clio index

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info bot/ingest/*.so
