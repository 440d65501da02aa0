# swellfem — make demo / make test (the README's two commands)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NP     ?= 2
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-all test-serial test-parallel bench docker clean verification-table \
        validation

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[wheels,test]"
	touch $(STAMP)

demo: install
	$(BIN)/swellfem run cases/demo.yaml -o results/demo

test: install test-serial test-parallel

# the serial tests spread over $(NP) pytest-xdist workers (worksteal balances the few long 3-D
# benchmarks against the many short tests); the parallel ones then run under mpirun -n $(NP)
test-serial:
	$(BIN)/python -m pytest -q -n $(NP) --dist worksteal --durations=20

test-parallel:
	$(BIN)/mpirun -n $(NP) $(BIN)/python -m pytest -q -m "parallel and not slow" -p no:cacheprovider

test-all: install
	$(BIN)/python -m pytest -q -m "" -n $(NP) --dist worksteal
	$(BIN)/mpirun -n $(NP) $(BIN)/python -m pytest -q -m parallel -p no:cacheprovider

# docs/verification.md from the records the verification tests wrote (run make test first)
verification-table:
	$(BIN)/python -m postprocess.verification_table

# docs/validation.md and docs/figures/validation_*.png: every seed case of cases/seeds/ at its
# default resolution into results/seeds/, then the comparison with the papers
SEEDS    := cases/seeds
SEEDRUN  := $(BIN)/swellfem run --no-plots
SEEDOUT  := results/seeds
validation: install
	rm -rf $(SEEDOUT)
	$(BIN)/mpirun -n $(NP) $(BIN)/swellfem sweep $(SEEDS)/seed000_scaffold_study.yaml --ranks-per-case 1 --no-plots
	for chem in na li si; do \
	  $(BIN)/mpirun -n $(NP) $(BIN)/swellfem sweep $(SEEDS)/seed001_size_rate_$$chem.yaml --ranks-per-case 1 --no-plots || exit 1; \
	done
	$(SEEDRUN) $(SEEDS)/seed001_free_particle_li.yaml -o $(SEEDOUT)/seed001_free_li
	$(BIN)/mpirun -n $(NP) $(SEEDRUN) $(SEEDS)/seed002_cnf_sn_clusters.yaml -o $(SEEDOUT)/seed002_cnf
	$(SEEDRUN) $(SEEDS)/seed002_bare_sn.yaml -o $(SEEDOUT)/seed002_bare
	$(SEEDRUN) $(SEEDS)/seed003_nanoparticle.yaml -o $(SEEDOUT)/seed003_particle
	$(BIN)/mpirun -n $(NP) $(SEEDRUN) $(SEEDS)/seed003_nanowire.yaml -o $(SEEDOUT)/seed003_wire
	$(SEEDRUN) $(SEEDS)/seed004_sn_hc_composite.yaml -o $(SEEDOUT)/seed004_composite
	$(SEEDRUN) $(SEEDS)/seed004_sn_particle.yaml -o $(SEEDOUT)/seed004_sn
	$(BIN)/python -m postprocess.validation $(SEEDOUT)

bench: install
	$(BIN)/python benchmarks/run.py

docker:
	docker build -t swellfem .

clean:
	rm -rf results .pytest_cache
