# Two commands, as the README says:
#   make run   set up .venv and check the shipped examples
#   make test  set up .venv, the real servers and tools the tests use, and run the suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup test-deps system-deps node-deps docs fuzz bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,probe]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/rtclint check examples/; rc=$$?; [ $$rc -le 1 ] || exit $$rc

system-deps:
	bash tools/install-system-deps.sh

node-deps:
	bash tools/install-node-deps.sh

test-deps: $(STAMP) system-deps node-deps
	bash tools/install-synapse.sh

test: test-deps
	$(BIN)/python -m pytest -q

docs: $(STAMP)
	$(BIN)/python -m rtclint.rules.docs rules

fuzz: test-deps
	RTCLINT_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -q tests -k "property or fuzz" -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .rtclint_cache .pytest_cache node_modules

# The real nginx, HAProxy and Caddy answer every client request; the model must agree
# (tools/replay; root, in a private network+mount namespace).
.PHONY: replay
replay: $(STAMP)
	$(BIN)/python -m tools.replay
