import { Agent, createServer, request } from "node:http";
import type {
  AgentOptions,
  IncomingMessage,
  OutgoingHttpHeaders,
  Server,
  ServerResponse,
} from "node:http";
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
const versionHeader = "x-sluice-version";

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

/** Per-release bookkeeping of the proxy, looked up once per request. */
class Track {
  inFlight = 0;
  readonly ring = new TrafficRing();
}

/**
 * One proxied request. A class rather than a handful of closures: the listeners are methods
 * bound once per request, and the state lives in fields V8 can keep in one hidden class.
 */
class Exchange {
  private readonly started = performance.now();
  private finished = false;
  private status = 502;
  private answer: IncomingMessage | null = null;
  private held: Buffer | null = null;

  constructor(
    private readonly proxy: WeightedProxy,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly backend: Backend,
    private readonly track: Track,
    private readonly mayRetry: boolean,
  ) {
    track.inFlight++;
  }

  send(agent: Agent): void {
    const req = this.req;
    const upstream = request(
      {
        host: "127.0.0.1",
        port: this.backend.port,
        method: req.method,
        path: req.url,
        // The raw header list is written as is: no per-header validation or lowercasing.
        headers: req.rawHeaders as unknown as OutgoingHttpHeaders,
        agent,
      },
      this.onResponse,
    );
    upstream.on("error", this.onUpstreamError);
    // Most requests carry no body: end at once rather than paying for a pipe.
    const headers = req.headers;
    if (
      headers["content-length"] === undefined &&
      headers["transfer-encoding"] === undefined
    ) {
      if (!req.readableEnded) req.resume();
      upstream.end();
    } else {
      req.pipe(upstream);
    }
  }

  private readonly onResponse = (answer: IncomingMessage): void => {
    this.answer = answer;
    this.status = answer.statusCode ?? 502;
    // The raw header list skips re-validating and re-lowercasing every header.
    this.res.writeHead(this.status, answer.rawHeaders);
    answer.on("data", this.onData);
    answer.on("end", this.onEnd);
    answer.on("error", this.onAnswerError);
  };

  /**
   * The last chunk is held back so that a small body goes out with the status line and headers
   * in one write at `end`; larger bodies stream through with backpressure.
   */
  private readonly onData = (chunk: Buffer): void => {
    const held = this.held;
    this.held = chunk;
    if (held && !this.res.write(held)) {
      const answer = this.answer;
      if (answer) {
        answer.pause();
        this.res.once("drain", () => answer.resume());
      }
    }
  };

  private readonly onEnd = (): void => {
    const held = this.held;
    this.held = null;
    if (held) this.res.end(held);
    else this.res.end();
    this.finish(this.status);
  };

  private readonly onAnswerError = (): void => {
    this.finish(0);
    this.res.destroy();
  };

  private readonly onUpstreamError = (error: NodeJS.ErrnoException): void => {
    if (this.finished) return;
    const { req, res, backend } = this;
    const stable = this.proxy.getRoutes().stable;
    if (
      error.code === "ECONNREFUSED" &&
      this.mayRetry &&
      (req.method === "GET" || req.method === "HEAD") &&
      stable &&
      stable.release !== backend.release &&
      !res.headersSent
    ) {
      // The canary refused the connection: the request never reached it, so sending it to
      // stable cannot double it.
      this.finish(0);
      this.proxy.forward(req, res, stable, false);
      return;
    }
    this.finish(0);
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`sluice: release ${backend.release} did not answer\n`);
    } else {
      res.destroy();
    }
  };

  private finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    this.track.inFlight--;
    this.track.ring.record(
      this.proxy.now(),
      performance.now() - this.started,
      status,
    );
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
    keepAliveMsecs: 10_000,
    maxSockets: 512,
    maxFreeSockets: 512,
    scheduling: "lifo",
    noDelay: true,
  } as AgentOptions);
  private readonly tracks = new Map<string, Track>();

  constructor(readonly now: () => number = Date.now) {
    this.server = createServer({ noDelay: true }, (req, res) =>
      this.handle(req, res),
    );
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
    return this.tracks.get(release)?.inFlight ?? 0;
  }

  ring(release: string): TrafficRing {
    return this.track(release).ring;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Sends a request to a release (also used by the retry on stable). */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    backend: Backend,
    mayRetry: boolean,
  ): void {
    new Exchange(
      this,
      req,
      res,
      backend,
      this.track(backend.release),
      mayRetry,
    ).send(this.agent);
  }

  private track(release: string): Track {
    let track = this.tracks.get(release);
    if (!track) {
      track = new Track();
      this.tracks.set(release, track);
    }
    return track;
  }

  private choose(req: IncomingMessage): Backend | null {
    const { stable, canary, weight } = this.routes;
    if (canary) {
      const pinned = req.headers[versionHeader];
      if (pinned === "canary") return canary;
      if (pinned === "stable" && stable) return stable;
      if (this.chooser.pickCanary(weight) || !stable) return canary;
    }
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
}
