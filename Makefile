# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export DJANGO_SETTINGS_MODULE := taavon.settings

.PHONY: run test install lint messages bench clean static

# The demo is served as production serves pages (DEBUG off: the custom error pages, hashed and
# compressed static files cached for a year) but over plain http and with the one-time codes on
# screen (TAAVON_DEMO: settings.py keeps its cookies usable on http://127.0.0.1).
DEMO_ENV := DEBUG=false TAAVON_DEMO=true
# Collecting hashes and compresses every static file (gzip and brotli): a minute or two, so only
# when a source changed; the stamp is the collection's manifest.
STATIC_SOURCES := $(shell find taavon/static -type f 2>/dev/null)
STATIC_STAMP   := var/static/staticfiles.json

$(BIN)/taavon: pyproject.toml requirements/lock.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1; then UV=uv; \
	  elif $(BIN)/python -m pip install -q uv >/dev/null 2>&1; then UV=$(BIN)/uv; else UV=""; fi; \
	  if [ -n "$$UV" ]; then \
	    $$UV pip install -q --python $(BIN)/python -r requirements/lock.txt && \
	    $$UV pip install -q --python $(BIN)/python --no-deps -e . ; \
	  else \
	    $(BIN)/pip install -q -r requirements/lock.txt && $(BIN)/pip install -q --no-deps -e . ; \
	  fi
	@touch $@

install: $(BIN)/taavon

$(STATIC_STAMP): $(BIN)/taavon $(STATIC_SOURCES)
	$(DEMO_ENV) $(BIN)/taavon collectstatic --no-input --clear -v 0
	@touch $@

static: $(STATIC_STAMP)

run: install $(STATIC_STAMP)
	$(BIN)/taavon compilemessages --ignore=.venv -v 0
	$(DEMO_ENV) $(BIN)/taavon migrate --no-input -v 0
	$(DEMO_ENV) $(BIN)/taavon demo --if-empty
	$(DEMO_ENV) $(BIN)/taavon serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/taavon compilemessages --ignore=.venv -v 0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check taavon tests bench
	$(BIN)/lint-imports
	TAAVON_VAR_DIR=$$(mktemp -d) $(BIN)/mypy taavon

messages: install
	cd taavon && ../$(BIN)/taavon makemessages -l fa --no-obsolete --ignore=static/vendor

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
