# Two commands, as the README says:
#   make run   set up .venv and check the shipped examples
#   make test  set up .venv, the real servers and tools the tests use, and run the suite
#              (the slow oracle sweeps as a sample covering every kind of case)
# and the rest of the slow sweeps (tests/conftest.py: the `sweep` mark):
#   make sweeps  every sweep case make test leaves out (make test + make sweeps: each once)
#   make full    the whole suite, every sweep case, in one run
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# ../shared beside the clone, as CI lays it, or RTCLINT_SHARED=DIR
RTCLINT_SHARED ?= $(abspath ../shared)
export RTCLINT_SHARED
SHARED := $(RTCLINT_SHARED)
# what the suite reads from ../shared (tests/conftest.py SHARED_NEEDS says the same)
SHARED_NEEDS := spec/RULES.md schemas/sarif-schema-2.1.0.json corpus/upstream

.PHONY: run test sweeps full setup test-deps shared-check system-deps node-deps docs fuzz bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,probe,lsp]'
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

# before installing anything: without ../shared the suite cannot run, say so in one line
shared-check:
	@for need in $(SHARED_NEEDS); do [ -e "$(SHARED)/$$need" ] || { \
	  echo "make test needs ../shared beside the clone (or RTCLINT_SHARED=DIR): missing $$need (looked in $(SHARED))" >&2; exit 1; }; done

# pytest's exit 5 means it collected no test: a failure, said in words
PYTEST = $(BIN)/python -m pytest -q -p no:cacheprovider
NONE_COLLECTED = [ $$rc -ne 5 ] || echo "pytest collected no tests (exit 5): nothing was tested" >&2; exit $$rc

test: shared-check test-deps
	$(PYTEST) --sweep=sample; rc=$$?; $(NONE_COLLECTED)

sweeps: shared-check test-deps
	$(PYTEST) --sweep=rest; rc=$$?; $(NONE_COLLECTED)

full: shared-check test-deps
	$(PYTEST) --sweep=all; rc=$$?; $(NONE_COLLECTED)

docs: $(STAMP)
	$(BIN)/python -m rtclint.rules.docs rules

fuzz: shared-check test-deps
	RTCLINT_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -q tests -k "property or fuzz" -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .rtclint_cache .pytest_cache node_modules

# The real nginx, HAProxy, Caddy and Traefik answer every client request; the model must
# agree (tools/replay; root; each config in its own network+mount namespace, several at
# once: e.g. `make replay REPLAY_ARGS="-j 4 --shard 1/2"`). Traefik reads Compose labels and
# IngressRoute/Ingress objects through its own docker and Kubernetes providers (fake APIs).
.PHONY: replay
replay: $(STAMP)
	$(BIN)/python -m tools.replay $(REPLAY_ARGS)
