# flexchain — the commands a newcomer needs. `make demo` and `make test` install what they need.
PYTHON ?= python3
# make test runs the suite on this many processes (pytest-xdist; each starts its own PostgreSQL).
TEST_WORKERS ?= 2
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit bench services clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(BIN)/flexchain demo $(DEMO_ARGS)

# What the tests need from the machine (PostgreSQL server binaries) is installed by scripts/ensure-test-services.sh.
services:
	bash scripts/ensure-test-services.sh

lint: install
	$(BIN)/ruff check --no-cache src tests bench
	$(BIN)/ruff format --no-cache --check src tests bench

typecheck: install
	$(BIN)/mypy

test: install services lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=25 $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

bench: install
	@for script in bench/*.py; do case $$script in bench/policy_eval_*) continue;; esac; \
		echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
