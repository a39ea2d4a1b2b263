# make demo: bake the default project into build/demo and serve it on http://127.0.0.1:8000
# make test: the template's whole test suite (bakes, lints, runs baked projects on real services)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test docs clean

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

clean:
	rm -rf build site
