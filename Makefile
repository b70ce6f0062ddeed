# yiyang — the two commands of the README quick start, and a few helpers.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/yiyang

.PHONY: demo test test-sqlite test-postgres lint messages bench serve

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

## make demo [PORT=8000]: install, migrate the embedded SQLite file, load the demo county once, serve.
demo: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py demo_banner --port $(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

serve: demo

## make test: the whole suite on SQLite; with CI=true again on PostgreSQL.
test: $(BIN)/.installed
	$(BIN)/ruff check --quiet .
	$(BIN)/python scripts/mypy_baseline.py
	$(BIN)/python -m pytest -q
ifeq ($(CI),true)
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q
endif

test-postgres: $(BIN)/.installed
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/mypy_baseline.py

## make messages: refresh the Chinese catalogue after changing user-facing text.
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=bench
	$(BIN)/python manage.py compilemessages -l zh_Hans

bench: $(BIN)/.installed
	$(BIN)/python bench/run.py
