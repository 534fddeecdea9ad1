import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

declare module "fastify" {
  interface FastifyInstance {
    /** The server's own metrics (`GET /metrics`), set by `buildServer`. */
    telemetry: ServerTelemetry;
  }
}

/** What `/metrics` reads from the store at each scrape. */
export interface ScrapedCounts {
  runs: Partial<Record<string, number>>;
  queuedJobs: number;
}

/**
 * The server's own Prometheus metrics (issue 14): requests by route template, method and status,
 * runs by status, the queue depth, and the process (CPU, memory, event loop). One registry per
 * server, so two servers in one process (tests) count apart. A request costs one Map increment;
 * the counter is filled from the Map at scrape time.
 */
export class ServerTelemetry {
  readonly registry = new Registry();
  private readonly requests = new Map<string, number>();
  private readonly runs: Gauge<"status">;
  private readonly queued: Gauge;

  constructor() {
    const requests = this.requests;
    new Counter({
      name: "sluice_http_requests_total",
      help: "HTTP requests answered, by route template, method and status code",
      labelNames: ["route", "method", "status"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [key, count] of requests) {
          const [method, status, route] = key.split(" ", 3) as [
            string,
            string,
            string,
          ];
          this.inc({ route, method, status }, count);
        }
      },
    });
    this.runs = new Gauge({
      name: "sluice_runs",
      help: "runs recorded in the store, by status",
      labelNames: ["status"] as const,
      registers: [this.registry],
    });
    this.queued = new Gauge({
      name: "sluice_queue_depth",
      help: "jobs queued for a runner and not yet claimed",
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry, prefix: "sluice_" });
  }

  /** Counts every answered request (an `onResponse` hook, registered before the routes). */
  install(server: FastifyInstance): void {
    server.addHook("onResponse", (request, reply, done) => {
      // The route's template, never the raw URL: ids and keys would make a series each.
      const route = request.routeOptions.url ?? "unmatched";
      const key = `${request.method} ${reply.statusCode} ${route}`;
      this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
      done();
    });
  }

  /** The exposition text, with the store's counts of this moment. */
  async scrape(counts: ScrapedCounts): Promise<string> {
    this.runs.reset();
    for (const [status, count] of Object.entries(counts.runs)) {
      this.runs.set({ status }, count ?? 0);
    }
    this.queued.set(counts.queuedJobs);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
