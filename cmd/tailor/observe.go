package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/tailorhq/tailor/internal/notify"
)

// otlpEndpoint is OpenTelemetry's standard variable naming the collector traces are sent to;
// tracing is off while it is unset.
const otlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"

// newTracing returns the tracer provider that sends spans over OTLP/HTTP to the collector
// OTEL_EXPORTER_OTLP_ENDPOINT names, and the function that flushes and stops it; with the
// variable unset it returns nil, which leaves the global no-op provider in use.
func newTracing(ctx context.Context, getenv func(string) string) (trace.TracerProvider, func(context.Context) error, error) {
	endpoint := getenv(otlpEndpoint)
	if endpoint == "" {
		return nil, func(context.Context) error { return nil }, nil
	}
	// The variable names the collector's base URL; traces go to its /v1/traces.
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "tailor"))))
	return tp, tp.Shutdown, nil
}

// registerServerMetrics adds to metrics the gauges read on every scrape: open subscriptions
// by kind, from the hub, and the outbox's unprocessed events, with a bounded count.
func registerServerMetrics(metrics prometheus.Registerer, hub *notify.Hub, pending func(context.Context) (int, error), logger *slog.Logger) {
	subscriptions := func(kind string, n func() int) prometheus.GaugeFunc {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tailor_subscriptions_open",
			Help: "Subscriptions open on this replica, by kind (notifications, published).", ConstLabels: prometheus.Labels{"kind": kind}},
			func() float64 { return float64(n()) })
	}
	metrics.MustRegister(
		subscriptions("notifications", func() int { n, _ := hub.Counts(); return n }),
		subscriptions("published", func() int { _, n := hub.Counts(); return n }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tailor_outbox_pending",
			Help: "Events in the outbox no worker has processed yet (counted up to 100,000)."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				n, err := pending(ctx)
				if err != nil {
					logger.Warn("counting pending events failed", "err", err)
					return -1
				}
				return float64(n)
			}),
	)
}
