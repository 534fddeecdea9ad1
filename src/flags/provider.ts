import { EventEmitter } from "node:events";
// Types only (erased at run time): the provider is checked against the SDK's Provider contract.
import type {
  EvaluationContext as OpenFeatureContext,
  JsonValue as OpenFeatureJson,
  Provider,
  ProviderEventEmitter,
  ProviderEvents,
  ResolutionDetails as OpenFeatureDetails,
} from "@openfeature/server-sdk";
import { systemClock } from "../kernel/index.js";
import type { Clock, Timer } from "../kernel/index.js";
import { canonicalJson } from "./diff.js";
import { FlagEvaluator } from "./evaluator.js";
import type {
  FlagSetDocument,
  FlagType,
  FractionalVersion,
  ResolutionDetails,
} from "./types.js";

/** The events this provider emits, named as in `@openfeature/server-sdk` `ProviderEvents`. */
export type SluiceProviderEvent =
  | "PROVIDER_READY"
  | "PROVIDER_ERROR"
  | "PROVIDER_CONFIGURATION_CHANGED"
  | "PROVIDER_STALE"
  | "PROVIDER_CONTEXT_CHANGED"
  | "PROVIDER_RECONCILING";

type Handler = (details?: Record<string, unknown>) => unknown;

/**
 * The `ProviderEventEmitter` the OpenFeature SDKs subscribe to (`addHandler`/`removeHandler`),
 * on node:events, so this module needs no OpenFeature package at run time.
 */
export class SluiceProviderEvents {
  readonly #emitter = new EventEmitter();
  readonly #wrapped = new Map<Handler, Handler[]>();

  emit(event: SluiceProviderEvent, details?: Record<string, unknown>): void {
    this.#emitter.emit(event, details);
  }
  addHandler(event: SluiceProviderEvent, handler: Handler): void {
    const safe: Handler = async (details) => {
      try {
        await handler(details);
      } catch {
        // A failing application handler must not break the provider.
      }
    };
    this.#wrapped.set(handler, [...(this.#wrapped.get(handler) ?? []), safe]);
    this.#emitter.on(event, safe);
  }
  removeHandler(event: SluiceProviderEvent, handler: Handler): void {
    const safe = this.#wrapped.get(handler)?.pop();
    if (safe) this.#emitter.removeListener(event, safe);
  }
  removeAllHandlers(event?: SluiceProviderEvent): void {
    if (event) this.#emitter.removeAllListeners(event);
    else this.#emitter.removeAllListeners();
  }
  getHandlers(event: SluiceProviderEvent): Handler[] {
    return this.#emitter.listeners(event) as Handler[];
  }
  setLogger(): this {
    return this;
  }
}

export interface SluiceProviderOptions {
  /** The sluice server, e.g. `http://127.0.0.1:7700`. */
  url: string;
  /** An API key from `sluice flags keys create` (scoped to one project + environment). */
  apiKey: string;
  /** ETag polling interval in ms (default 30 s; 0 turns polling off). */
  pollIntervalMs?: number;
  /** Listen to the server's change stream for immediate refetches (default true). */
  stream?: boolean;
  /** `$flagd.timestamp` source; default the system clock. */
  clock?: Clock;
}

interface SyncResponse {
  document: FlagSetDocument;
  version: number;
  fractionalVersion: FractionalVersion;
  stream?: string;
}

/**
 * An OpenFeature server provider (`@openfeature/server-sdk` compatible) that evaluates in
 * process with sluice's evaluator, on a flag set synced from `sluice serve`: fetched at init,
 * refetched on each change-stream event and by ETag polling, emitting ConfigurationChanged
 * with the keys that changed. No network hop per evaluation.
 */
export class SluiceProvider implements Provider {
  readonly metadata = { name: "sluice in-process" } as const;
  readonly runsOn = "server" as const;
  readonly hooks = [];
  // Structurally the SDK's emitter; its types name the events with an enum of the same strings.
  readonly events =
    new SluiceProviderEvents() as unknown as ProviderEventEmitter<ProviderEvents>;
  readonly #events = this.events as unknown as SluiceProviderEvents;
  #evaluator: FlagEvaluator | undefined;
  #document: FlagSetDocument = { flags: {} };
  #etag: string | undefined;
  #timer: Timer | undefined;
  #abort = new AbortController();
  readonly #clock: Clock;

  constructor(private readonly options: SluiceProviderOptions) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Fetches the flag set; the SDK emits READY when this resolves. */
  async initialize(): Promise<void> {
    const sync = await this.#fetch();
    if (!sync) throw new Error("sluice: the server sent no flag set");
    const interval = this.options.pollIntervalMs ?? 30_000;
    if (interval > 0) {
      this.#timer = this.#clock.setInterval(
        () => void this.refresh(),
        interval,
        {
          unref: true,
        },
      );
    }
    if (this.options.stream !== false && sync.stream)
      void this.#listen(sync.stream);
  }

  async onClose(): Promise<void> {
    this.#timer?.cancel();
    this.#abort.abort();
  }

  /** Refetches now (304 when nothing changed); emits ConfigurationChanged on a change. */
  async refresh(): Promise<void> {
    try {
      await this.#fetch();
    } catch (error) {
      this.#events.emit("PROVIDER_STALE", {
        message: (error as Error).message,
      });
    }
  }

  resolveBooleanEvaluation(
    key: string,
    defaultValue: boolean,
    context: OpenFeatureContext,
  ): Promise<OpenFeatureDetails<boolean>> {
    return Promise.resolve(
      this.#resolve(key, "boolean", defaultValue, context),
    );
  }
  resolveStringEvaluation(
    key: string,
    defaultValue: string,
    context: OpenFeatureContext,
  ): Promise<OpenFeatureDetails<string>> {
    return Promise.resolve(this.#resolve(key, "string", defaultValue, context));
  }
  resolveNumberEvaluation(
    key: string,
    defaultValue: number,
    context: OpenFeatureContext,
  ): Promise<OpenFeatureDetails<number>> {
    return Promise.resolve(this.#resolve(key, "number", defaultValue, context));
  }
  resolveObjectEvaluation<T extends OpenFeatureJson>(
    key: string,
    defaultValue: T,
    context: OpenFeatureContext,
  ): Promise<OpenFeatureDetails<T>> {
    return Promise.resolve(this.#resolve(key, "object", defaultValue, context));
  }

  #resolve<T>(
    key: string,
    type: FlagType,
    defaultValue: T,
    context: object,
  ): OpenFeatureDetails<T> {
    const details: ResolutionDetails<T> = this.#evaluator
      ? this.#evaluator.resolve(key, type, defaultValue, context)
      : {
          value: defaultValue,
          reason: "ERROR",
          errorCode: "PROVIDER_NOT_READY",
          flagMetadata: {},
        };
    // Our error codes are the SDK's ErrorCode values; the SDK types them as an enum.
    return details as unknown as OpenFeatureDetails<T>;
  }

  async #fetch(): Promise<SyncResponse | undefined> {
    const response = await fetch(`${this.options.url}/api/v1/flag-sync`, {
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        ...(this.#etag ? { "if-none-match": this.#etag } : {}),
      },
      signal: this.#abort.signal,
    });
    if (response.status === 304) return undefined;
    if (!response.ok)
      throw new Error(`sluice: flag sync answered ${response.status}`);
    const sync = (await response.json()) as SyncResponse;
    const before = this.#document;
    this.#evaluator = new FlagEvaluator(sync.document, {
      clock: this.#clock,
      fractionalVersion: sync.fractionalVersion,
    });
    this.#document = sync.document;
    const first = this.#etag === undefined;
    this.#etag = response.headers.get("etag") ?? undefined;
    if (!first) {
      const keys = new Set([
        ...Object.keys(before.flags),
        ...Object.keys(sync.document.flags),
      ]);
      const flagsChanged = [...keys].filter(
        (k) =>
          canonicalJson(before.flags[k] ?? null) !==
          canonicalJson(sync.document.flags[k] ?? null),
      );
      this.#events.emit("PROVIDER_CONFIGURATION_CHANGED", { flagsChanged });
    }
    return sync;
  }

  /** Reads the server-sent event stream; every event means "refetch". Reconnects on errors. */
  async #listen(path: string): Promise<void> {
    while (!this.#abort.signal.aborted) {
      try {
        const response = await fetch(`${this.options.url}${path}`, {
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            accept: "text/event-stream",
          },
          signal: this.#abort.signal,
        });
        if (!response.ok || !response.body)
          throw new Error(`stream answered ${response.status}`);
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        let buffer = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^data:/m.test(event)) await this.refresh();
          }
        }
      } catch {
        if (this.#abort.signal.aborted) return;
      }
      await new Promise<void>((resolve) =>
        this.#clock.setTimeout(resolve, 1000, { unref: true }),
      );
    }
  }
}
