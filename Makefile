# craftmap: `make run` serves the app on http://127.0.0.1:5000; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test bench clean translations

run: $(VENV)/.runtime node_modules/.installed
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

test: $(VENV)/.test node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.test node_modules/.installed
	$(BIN)/python bench/run.py

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules instance

# After changing user-facing strings: refresh the catalogues, then translate what is new.
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o craftmap/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i craftmap/translations/messages.pot -d craftmap/translations
