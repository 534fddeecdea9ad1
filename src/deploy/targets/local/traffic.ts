import type { TrafficWindow } from "../../analysis/providers.js";

const classes = ["2xx", "3xx", "4xx", "5xx"] as const;
/** Status class index: 0..3 for 2xx..5xx, 4 for a connection error (the proxy answered 502). */
type ClassIndex = 0 | 1 | 2 | 3 | 4;

/**
 * The per-release request record of the proxy: a fixed-size ring of (time, latency, class),
 * so memory stays bounded however long a release serves. Windows older than the ring are
 * answered from what is left.
 */
export class TrafficRing {
  private readonly at: Float64Array;
  private readonly latency: Float32Array;
  private readonly cls: Uint8Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 65_536) {
    this.at = new Float64Array(capacity);
    this.latency = new Float32Array(capacity);
    this.cls = new Uint8Array(capacity);
  }

  /** Records a finished request: its end time (ms), latency (ms) and status (0 = no answer). */
  record(at: number, latencyMs: number, status: number): void {
    const i = this.next;
    this.at[i] = at;
    this.latency[i] = latencyMs;
    this.cls[i] = (
      status === 0 ? 4 : Math.min(3, Math.max(0, Math.floor(status / 100) - 2))
    ) as ClassIndex;
    this.next = (i + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Requests that finished in [from, to), with up to `maxSamples` latencies (evenly kept). */
  window(from: number, to: number, maxSamples = 5_000): TrafficWindow {
    const w: TrafficWindow = {
      requests: 0,
      byClass: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
      connectionErrors: 0,
      latencies: [],
    };
    const all: number[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.next - 1 - k + this.capacity) % this.capacity;
      const t = this.at[i]!;
      if (t < from) break; // the ring is in time order: older entries follow
      if (t >= to) continue;
      w.requests++;
      const c = this.cls[i]!;
      if (c === 4) w.connectionErrors++;
      else w.byClass[classes[c]!]++;
      all.push(this.latency[i]!);
    }
    const step = Math.max(1, Math.ceil(all.length / maxSamples));
    for (let i = 0; i < all.length; i += step) w.latencies.push(all[i]!);
    return w;
  }
}
