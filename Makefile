# The two commands of a fresh clone (see README.md). Both install what they need, idempotently.
.PHONY: dev test bench setup fuzz
dev:        ## build and serve the worker + demo page on http://127.0.0.1:8787
	@bash scripts/dev.sh
test:       ## every test tier; ends with `N passed, N failed`
	@bash scripts/test.sh
bench:      ## side-by-side benchmarks -> BENCHMARKS.md
	@bash scripts/bench.sh
setup:      ## only the idempotent set-up
	@bash scripts/setup.sh --test
fuzz:       ## every cargo-fuzz target for 60 s each (nightly)
	@bash scripts/fuzz.sh
