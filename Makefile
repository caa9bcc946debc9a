# Tailor's developer commands. `make test` is the whole test suite, as CI runs it.
GO ?= go

.PHONY: demo build generate check-generated lint test schema-diff

## demo: bring Tailor up on a local PostgreSQL with demo data (creates, migrates and seeds the database)
demo:
	$(GO) run ./cmd/tailor serve --demo

## build: compile the tailor binary into bin/
build:
	$(GO) build -o bin/tailor ./cmd/tailor

## generate: regenerate graph/ from schema/*.graphqls
generate:
	$(GO) tool gqlgen generate

## check-generated: fail when graph/ is stale against schema/
check-generated: generate
	@git diff --quiet --exit-code -- graph gqlgen.yml go.mod go.sum || \
		{ echo "generated code is stale: run 'make generate' and commit the result"; git diff --stat -- graph; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- graph)" || \
		{ echo "generate created files that are not committed:"; git ls-files --others --exclude-standard -- graph; exit 1; }

## schema-diff: changelog from the last release's schema (schema/released.graphql) to schema/; fails on a breaking change that was not deprecated with a removal date now past
schema-diff:
	$(GO) run ./cmd/tailor schema diff schema/released.graphql schema/

## lint: formatting and go vet
lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

## test: the whole suite (needs PostgreSQL, and Node.js for the GraphQL-over-HTTP audit; see the README)
test: lint check-generated
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -run '^$$' -fuzz '^FuzzGraphQLRequest$$' -fuzztime 15s ./graph

.PHONY: bench bench-smoke bench-large bench-growth probes eval bench-fanout faults soak

## bench: the HTTP benchmark at the standard scale (seeds tailor_bench the first time); results go to bench/results/
bench:
	$(GO) run ./bench

## bench-smoke: the benchmark at the tiny scale, about 1s per step, results in a temporary directory (fails on errors, never on timing)
bench-smoke:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
		$(GO) run ./bench -scale tiny -duration 1s -warmup 200ms -out "$$dir"

## bench-large: the c=1 steps at the large scale (seeds tailor_bench_large the first time, about 10 min); results go to bench/results/, with growth.md when standard results are there too
bench-large:
	$(GO) run ./bench -scale large -concurrency 1

## bench-growth: rewrite bench/results/growth.md (each workload's p50 at c=1, standard vs large) from the newest results of both scales
bench-growth:
	$(GO) run ./bench -growth

## eval: measure the feed against the most popular, newest and random lists on a seeded scratch database (tailor_eval) with a time-based hold-out; report in bench/results/<date>-eval.md
eval:
	$(GO) run ./cmd/tailor eval -out bench/results

## probes: send the hostile requests of the hardening issue to a real tailor serve at the standard scale and report what each costs it (bench/results/<date>-probes.md)
probes:
	$(GO) run ./bench -probes

## bench-fanout: notification fan-out to 10,000 users and notificationAdded delivery to 1,000 subscribers across two serve processes (bench/results/<date>-fanout.md)
bench-fanout:
	$(GO) run ./bench -fanout

## soak: 500 concurrent clients over W5 for 10 s of warm-up and 60 s at the standard scale; fails on any error, on RSS growing over 10% after the warm-up or on goroutines left afterwards (bench/results/<date>-soak.md)
soak:
	$(GO) run ./bench -soak

## faults: the fault and replica tests alone: PostgreSQL restarted under load, connections terminated, a panicking resolver, a killed worker, hang-ups, an exhausted server, shutdown, a streaming replica
faults:
	$(GO) test -count=1 -v -run 'TestPostgreSQLRestartUnderLoad|TestTerminatedConnectionsLoseNothing|TestWorkerKilledMidBatchLosesNothing|TestHangUpCancelsSQL|TestExhaustedServerAnswersBusy|TestShutdown|TestReadReplica' ./cmd/tailor
	$(GO) test -count=1 -v -run 'TestResolverPanicAnswersInternal' ./graph
