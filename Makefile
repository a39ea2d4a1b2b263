# make demo: bake the default project into build/demo and serve it on http://127.0.0.1:8000
# make test: the template's whole test suite (bakes, lints, runs baked projects on real services)
# make bench: the framework against a hand-written Channels consumer and DCRF 1.3.0 (bench/README.md);
#             options through BENCH_ARGS, e.g. make bench BENCH_ARGS="--rounds 9"
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test docs clean bench

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

demo: $(VENV)/.installed
	rm -rf build/demo
	$(BIN)/cookiecutter --no-input --output-dir build/demo .
	$(MAKE) -C build/demo/realtime_site run

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n auto tests

docs: $(VENV)/.installed
	$(BIN)/mkdocs build --strict

bench:
	$(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build site
