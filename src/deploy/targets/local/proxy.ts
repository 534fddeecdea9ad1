import { Agent, createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { TrafficRing } from "./traffic.js";

/** A release the proxy can send requests to. */
export interface Backend {
  release: string;
  port: number;
}

/** Where traffic goes: `weight` percent to the canary, the rest to stable. */
export interface Routes {
  stable: Backend | null;
  canary: Backend | null;
  weight: number;
}

/** The header that pins a request to a version, for tests and previews. */
export const versionHeader = "x-sluice-version";

/**
 * Deterministic weighted choice: an accumulator adds the weight on every request and sends the
 * request to the canary each time it passes 100, so exactly `weight` of every 100 requests go
 * to the canary, evenly spread, with no randomness to make tests flaky.
 */
export class WeightedChooser {
  private acc = 0;
  pickCanary(weight: number): boolean {
    if (weight <= 0) return false;
    if (weight >= 100) return true;
    this.acc += weight;
    if (this.acc >= 100) {
      this.acc -= 100;
      return true;
    }
    return false;
  }
}

/**
 * The weighted reverse proxy of the local target, on `node:http` with keep-alive upstream
 * connections. It records every request per release, counts in-flight requests so a release
 * can be drained before it stops, and retries once on stable when the canary refuses a
 * connection (nothing was sent, so nothing is doubled).
 */
export class WeightedProxy {
  readonly server: Server;
  private routes: Routes = { stable: null, canary: null, weight: 0 };
  private readonly chooser = new WeightedChooser();
  private readonly agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 256,
    scheduling: "lifo",
  });
  private readonly rings = new Map<string, TrafficRing>();
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  setRoutes(routes: Routes): void {
    this.routes = {
      ...routes,
      weight: Math.max(0, Math.min(100, routes.weight)),
    };
  }

  getRoutes(): Routes {
    return this.routes;
  }

  /** Requests to a release that have not finished yet. */
  inFlightTo(release: string): number {
    return this.inFlight.get(release) ?? 0;
  }

  ring(release: string): TrafficRing {
    let ring = this.rings.get(release);
    if (!ring) {
      ring = new TrafficRing();
      this.rings.set(release, ring);
    }
    return ring;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private choose(req: IncomingMessage): Backend | null {
    const { stable, canary, weight } = this.routes;
    const pinned = req.headers[versionHeader];
    if (pinned === "canary" && canary) return canary;
    if (pinned === "stable" && stable) return stable;
    if (canary && (this.chooser.pickCanary(weight) || !stable)) return canary;
    return stable;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const backend = this.choose(req);
    if (!backend) {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("sluice: no release is serving\n");
      return;
    }
    this.forward(req, res, backend, true);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    backend: Backend,
    mayRetry: boolean,
  ): void {
    const started = performance.now();
    const release = backend.release;
    this.inFlight.set(release, (this.inFlight.get(release) ?? 0) + 1);
    let finished = false;
    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      this.inFlight.set(release, (this.inFlight.get(release) ?? 1) - 1);
      this.ring(release).record(
        this.now(),
        performance.now() - started,
        status,
      );
    };
    const upstream = request(
      {
        host: "127.0.0.1",
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (answer) => {
        // The raw header list skips re-validating and re-lowercasing every header.
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
        answer.on("end", () => finish(answer.statusCode ?? 502));
        answer.on("error", () => finish(0));
      },
    );
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      const refused = error.code === "ECONNREFUSED";
      const stable = this.routes.stable;
      const bodiless = req.method === "GET" || req.method === "HEAD";
      if (
        refused &&
        mayRetry &&
        bodiless &&
        stable &&
        stable.release !== release &&
        !res.headersSent
      ) {
        // The canary refused the connection: the request never reached it, so sending it to
        // stable cannot double it.
        finished = true;
        this.inFlight.set(release, (this.inFlight.get(release) ?? 1) - 1);
        this.ring(release).record(this.now(), performance.now() - started, 0);
        this.forward(req, res, stable, false);
        return;
      }
      finish(0);
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`sluice: release ${release} did not answer\n`);
      } else {
        res.destroy();
      }
    });
    // Most requests carry no body: end at once rather than paying for a pipe.
    if (
      req.headers["content-length"] === undefined &&
      req.headers["transfer-encoding"] === undefined
    ) {
      req.resume();
      upstream.end();
    } else {
      req.pipe(upstream);
    }
  }
}
