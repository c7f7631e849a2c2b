# docqa: `make run` starts the web app on the default article; `make test` runs the whole suite.
# Both create .venv and install the project first when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DOCQA := $(VENV)/bin/docqa
STAMP := $(VENV)/.installed-stamp
SQUAD := ../shared/data/squad
CHROMIUM := /usr/bin/chromium

.PHONY: install run test lint format bench eval eval-e2e examples browser train clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(DOCQA) index info > /dev/null
	$(DOCQA) serve

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null)

test: install browser
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Figures for the README: index build speed, search latency, retrieval recall, answer() latency, web load.
bench: install
	$(PY) -m bench.index_bench
	$(PY) -m bench.retrieval_bench
	$(PY) -m bench.rank_prior_bench --limit 600
	$(PY) -m bench.answer_bench
	$(PY) -m bench.load_bench

# Reader-only figures (gold paragraph) on the test articles, as in the model card.
eval: install
	$(DOCQA) eval $(SQUAD)/squad-v1.1-dev.json --part test
	$(DOCQA) eval $(SQUAD)/squad-v2.0-dev.json --part test

# End-to-end figures: each test article indexed, questions asked through answer().
eval-e2e: install
	$(DOCQA) eval $(SQUAD)/squad-v1.1-dev.json --part test --end-to-end
	$(DOCQA) eval $(SQUAD)/squad-v2.0-dev.json --part test --end-to-end

examples: install
	$(PY) -m bench.examples

# Retrain the shipped reader in its three stages (80 + 77 + 80 minutes in the run logs on 2 cores; each resumable), calibrate it on dev.
train: install
	$(DOCQA) reader train --out runs/reader --max-steps 700
	$(DOCQA) reader train --out runs/reader2 --init-from runs/reader/final --max-steps 700 \
		--learning-rate 6e-5 --warmup 0.05 --unanswerable-repeat 3 --seed 14
	$(DOCQA) reader train --out runs/reader3 --init-from runs/reader2/final --max-steps 750 \
		--learning-rate 5e-5 --warmup 0.05 --unanswerable-repeat 3 --other-paragraph 0.15 --seed 15
	$(DOCQA) reader calibrate runs/reader3/final

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache test-artifacts
