# rocketsim: the everyday commands. `make test` is what CI and README name.
GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
STATICCHECK_VERSION ?= v0.8.2

.PHONY: test race fuzz bench lint tools

test:
	$(GO) test $(PKGS)

race:
	$(GO) test -race $(PKGS)

# Every fuzz target in the module, each for FUZZTIME (seeded from testdata/golden).
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz-all.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)
