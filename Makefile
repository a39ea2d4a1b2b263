# make demo: bake the default project into build/demo (once: later runs keep its accounts and chat) and
#            serve it on http://127.0.0.1:8000 (HOST/PORT change that)
# make demo-reset: bake the demo afresh (new passwords, empty chat) and serve it
# make test: the template's whole test suite (bakes, lints, runs baked projects on real services)
# make bench: the framework against a hand-written Channels consumer and DCRF 1.3.0 (bench/README.md);
#             options through BENCH_ARGS, e.g. make bench BENCH_ARGS="--rounds 9"
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DEMO_DIR = build/demo
DEMO = $(DEMO_DIR)/realtime_site
HOST ?= 127.0.0.1
PORT ?= 8000
# Succeeds when a server accepts connections on HOST:PORT.
LISTENING = $(BIN)/python -c 'import socket; socket.create_connection(("$(HOST)", $(PORT)), 1)' 2>/dev/null

.PHONY: demo demo-reset test docs clean bench

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEMO)/.cookiecutter.json: | $(VENV)/.installed
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) .

# The demo's accounts are printed before the server starts and scroll away under its log: once the server
# answers, a background loop (which ends with this recipe's shell) prints them again, with the address.
demo: $(DEMO)/.cookiecutter.json
	@if $(LISTENING); then echo "Something already listens on $(HOST):$(PORT): stop it or run make demo PORT=8001"; exit 1; fi
	@if [ -n "$$(find cookiecutter.json hooks '{{cookiecutter.project_slug}}' -type f -newer $< -print -quit)" ]; then \
		echo "The demo was baked from an older template: make demo-reset bakes it afresh."; fi
	@{ until $(LISTENING); do kill -0 $$$$ 2>/dev/null || exit 0; sleep 1; done; \
		echo; cd $(DEMO) && .venv/bin/python manage.py seed_demo && \
		echo "The demo runs on http://$(HOST):$(PORT)/ (Ctrl-C stops it; make demo-reset bakes it afresh)."; } & \
	$(MAKE) -C $(DEMO) run HOST=$(HOST) PORT=$(PORT)

demo-reset:
	rm -rf $(DEMO_DIR)
	$(MAKE) demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n auto tests

docs: $(VENV)/.installed
	$(BIN)/mkdocs build --strict

bench:
	$(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build site
