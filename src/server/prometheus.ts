import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from "fastify";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

declare module "fastify" {
  interface FastifyInstance {
    /** The server's own metrics (`GET /metrics`), set by `buildServer`. */
    telemetry: ServerTelemetry;
  }
}

/**
 * How often the event-loop delay is sampled for `sluice_nodejs_eventloop_lag_*`. prom-client's
 * default, 10 ms, wakes an idle server 100 times a second (most of an idle local server's CPU,
 * ~4 ms a second); every 100 ms still gives hundreds of samples between two scrapes.
 */
const eventLoopSampleMs = 100;

/** What `/metrics` reads from the store at each scrape. */
export interface ScrapedCounts {
  runs: Partial<Record<string, number>>;
  queuedJobs: number;
}

/** Requests answered on one route template (or "unmatched"): method → status → count. */
class RouteCounts {
  readonly byMethod = new Map<string, Map<number, number>>();
  constructor(readonly route: string) {}

  add(method: string, status: number): void {
    let byStatus = this.byMethod.get(method);
    if (!byStatus) this.byMethod.set(method, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
}

/**
 * The server's own Prometheus metrics (issue 14): requests by route template, method and status,
 * runs by status, the queue depth, and the process (CPU, memory, event loop). One registry per
 * server, so two servers in one process (tests) count apart. A request costs one Map increment
 * in its route's counts, made when the route is registered (issue 11 bench: no key built, no
 * `routeOptions` read); the counter is filled from them at scrape time.
 */
export class ServerTelemetry {
  readonly registry = new Registry();
  private readonly routes: RouteCounts[] = [];
  private readonly unmatched = this.countsOf("unmatched");
  private readonly hijacked = new Map<string, RouteCounts>();
  private readonly runs: Gauge<"status">;
  private readonly queued: Gauge;

  constructor() {
    const routes = this.routes;
    new Counter({
      name: "sluice_http_requests_total",
      help: "HTTP requests answered, by route template, method and status code",
      labelNames: ["route", "method", "status"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { route, byMethod } of routes)
          for (const [method, byStatus] of byMethod)
            for (const [status, count] of byStatus)
              this.inc({ route, method, status: String(status) }, count);
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
    collectDefaultMetrics({
      register: this.registry,
      prefix: "sluice_",
      eventLoopMonitoringPrecision: eventLoopSampleMs,
    });
  }

  /**
   * Counts every answer sent (install before the routes register, so every route is seen):
   * each route's own `onSend` hook counts under its template, never the raw URL (ids and keys
   * would make a series each); a global one counts what no route matched. `onSend`, not
   * `onResponse`: Fastify sets up response listeners and timers for every request once any
   * `onResponse` hook exists. A route that hijacks its reply counts it with `countHijacked`.
   */
  install(server: FastifyInstance): void {
    server.addHook("onRoute", (route: RouteOptions) => {
      const counts = this.countsOf(route.url);
      const count = (
        request: FastifyRequest,
        reply: FastifyReply,
        payload: unknown,
        done: (error: null, payload: unknown) => void,
      ) => {
        counts.add(request.method, reply.statusCode);
        done(null, payload);
      };
      const own = route.onSend;
      route.onSend = [count, ...(own === undefined ? [] : [own].flat())];
    });
    server.addHook("onSend", (request, reply, payload, done) => {
      if (request.is404) this.unmatched.add(request.method, reply.statusCode);
      done(null, payload);
    });
  }

  /** Counts an answer its route wrote itself (`reply.hijack()`, an event stream). */
  countHijacked(request: FastifyRequest, status: number): void {
    const route = request.routeOptions.url ?? "unmatched";
    let counts = this.hijacked.get(route);
    if (!counts) this.hijacked.set(route, (counts = this.countsOf(route)));
    counts.add(request.method, status);
  }

  private countsOf(route: string): RouteCounts {
    const counts = new RouteCounts(route);
    this.routes.push(counts);
    return counts;
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
