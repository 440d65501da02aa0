# swellfem — make demo / make test (the README's two commands)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NP     ?= 2
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-all test-serial test-parallel bench docker clean verification-table

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[wheels,test]"
	touch $(STAMP)

demo: install
	$(BIN)/swellfem run cases/demo.yaml -o results/demo

test: install test-serial test-parallel

test-serial:
	$(BIN)/python -m pytest -q

test-parallel:
	$(BIN)/mpirun -n $(NP) $(BIN)/python -m pytest -q -m "parallel and not slow" -p no:cacheprovider

test-all: install
	$(BIN)/python -m pytest -q -m "" 
	$(BIN)/mpirun -n $(NP) $(BIN)/python -m pytest -q -m parallel -p no:cacheprovider

# docs/verification.md from the records the verification tests wrote (run make test first)
verification-table:
	$(BIN)/python -m postprocess.verification_table

bench: install
	$(BIN)/python benchmarks/run.py

docker:
	docker build -t swellfem .

clean:
	rm -rf results .pytest_cache
