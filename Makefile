# Meedoen's two set-up commands (see README.md):
#   make demo   installs what is missing, builds, runs scenarios/leiden.toml
#   make test   installs what is missing, builds, runs every test
# Both are idempotent and fast when nothing changed: each step leaves a stamp.
# Other targets: install, cpp, test-cpp, test-python, test-notebooks, docs, clean.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The C++ dependencies, from Debian's packages.
DEB_PACKAGES := g++ libtomlplusplus-dev librandom123-dev libgtest-dev libgmock-dev libbenchmark-dev \
                libboost-graph-dev libeigen3-dev libhdf5-dev libcsv-dev nlohmann-json3-dev chromium chromium-driver
# Debian's own python3 needs its venv module and headers; a python3 that has both needs neither.
ifneq ($(shell python3 -c 'import ensurepip, sysconfig, os; \
    assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' 2>/dev/null && echo ok),ok)
DEB_PACKAGES += python3-venv python3-dev
endif
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

VENV := .venv
PYTHON := $(VENV)/bin/python
BUILD_DEPS := scikit-build-core pybind11 cmake ninja
STAMPS := build/stamps

# The C++ build for the GoogleTest tests and the benchmarks (`make bench` runs them).
CPP_BUILD := build/cpp
BENCHMARKS := ON

# Everything the installed package is built from.
SOURCES := $(shell find sim models python data scenarios cmake -type f -not -path '*/__pycache__/*') \
           CMakeLists.txt pyproject.toml README.md

.PHONY: help demo test install cpp test-cpp test-python test-notebooks bench docs clean

help:
	@echo "make demo    install what is missing, build, run scenarios/leiden.toml into results/leiden.h5 and results/leiden.html"
	@echo "make test    install what is missing, build, run the C++ and Python tests and the notebooks"
	@echo "make install the Debian packages, .venv and the meedoen package in it"
	@echo "make bench   run the benchmarks (benchmarks/run.sh) and print their figures"
	@echo "make docs    regenerate docs/parameters.md, docs/outputs.md, the outcomes in docs/guide/compare.md and the parameter tables in docs/interventions.md"
	@echo "make clean   remove build/ and .venv (results/ is kept)"

demo: results/leiden.h5
	$(VENV)/bin/meedoen report results/leiden.h5 -o results/leiden.html
	$(VENV)/bin/meedoen compare results/leiden.h5
	@echo "Results: results/leiden.h5; in Python: meedoen.open_results(\"results/leiden.h5\")"
	@echo "Report: results/leiden.html"

test: test-cpp test-python test-notebooks

# The default experiment's results: simulated again only when the package or the scenario file changed.
results/leiden.h5: $(VENV)/.installed scenarios/leiden.toml
	@mkdir -p results
	$(VENV)/bin/meedoen run scenarios/leiden.toml -o $@

# results/ (ignored by git) is where the guides' commands write.
install: $(VENV)/.installed
	@mkdir -p results

test-cpp: cpp
	$(VENV)/bin/ctest --test-dir $(CPP_BUILD) --output-on-failure -j2

test-python: install
	$(PYTHON) -m pytest tests/python -q --ignore=tests/python/test_notebooks.py

# Every notebook in notebooks/, top to bottom at the reduced scale it has at its top.
test-notebooks: install
	$(PYTHON) -m pytest tests/python/test_notebooks.py -q

bench: cpp
	benchmarks/run.sh

docs: install
	$(PYTHON) -m meedoen.docs docs

clean:
	rm -rf build $(VENV)

# Debian packages: apt-get runs only when one of them is missing.
$(STAMPS)/debian: Makefile
	@mkdir -p $(@D)
	@missing=(); \
	for p in $(DEB_PACKAGES); do \
	  [[ "$$(dpkg-query -W -f='$${db:Status-Status}' "$$p" 2>/dev/null)" == installed ]] || missing+=("$$p"); \
	done; \
	if (( $${#missing[@]} )); then \
	  echo "Installing Debian packages: $${missing[*]}"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$${missing[@]}"; \
	fi
	@touch $@

# The virtual environment with the build tools (the package builds without isolation).
# Its stamps live inside it, so that removing .venv starts it afresh.
$(VENV)/.build-tools: | $(STAMPS)/debian
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q $(BUILD_DEPS)
	@touch $@

# The meedoen package (the extension and the `meedoen` command), rebuilt when a source changes;
# scikit-build-core keeps its build in build/<wheel tag>, so a rebuild is incremental.
$(VENV)/.installed: $(VENV)/.build-tools $(SOURCES)
	@echo "Building the C++ core and installing meedoen into $(VENV): a few minutes (up to ten on a small machine)"
	$(PYTHON) -m pip install --no-build-isolation '.[test]'
	@touch $@

# The C++ build (ninja decides what to rebuild).
cpp: $(VENV)/.build-tools
	$(VENV)/bin/cmake -S . -B $(CPP_BUILD) -G Ninja -DCMAKE_MAKE_PROGRAM=$(CURDIR)/$(VENV)/bin/ninja \
	  -DMEEDOEN_TESTS=ON -DMEEDOEN_BENCHMARKS=$(BENCHMARKS) > /dev/null
	$(VENV)/bin/cmake --build $(CPP_BUILD)
