import { createHash } from "node:crypto";
import type { Clock, Logger } from "../kernel/index.js";
import { canonicalJson } from "./diff.js";
import { FlagEvaluator } from "./evaluator.js";
import type { FlagScope, FlagStore, StoredFlagSet } from "./ports.js";
import type {
  Evaluation,
  FlagSetDocument,
  FractionalVersion,
} from "./types.js";

/** The keys of the flags added, removed or edited between two documents. */
function changedFlagKeys(
  before: FlagSetDocument,
  after: FlagSetDocument,
): string[] {
  const keys = new Set([
    ...Object.keys(before.flags ?? {}),
    ...Object.keys(after.flags ?? {}),
  ]);
  return [...keys].filter(
    (key) =>
      canonicalJson(before.flags?.[key] ?? null) !==
      canonicalJson(after.flags?.[key] ?? null),
  );
}

/** A flag set as served: its version, ETag and compiled evaluator. */
export interface LiveFlagSet {
  scope: FlagScope;
  version: number;
  etag: string;
  document: FlagSetDocument;
  evaluator: FlagEvaluator;
}

/** A change notification: a flag set got a new version. */
export interface FlagSetChange {
  scope: FlagScope;
  version: number;
  etag: string;
  /** Keys whose definition changed (added, removed or edited). */
  flagKeys: string[];
}

const scopeKey = (scope: FlagScope) =>
  `${scope.project}\u0000${scope.environment}`;

const emptyDocument: FlagSetDocument = { flags: {} };

/** The ETag of a document: a hash of its canonical JSON and the bucketing version. */
export function etagOf(
  document: FlagSetDocument,
  fractionalVersion: FractionalVersion,
): string {
  return createHash("sha256")
    .update(`v${fractionalVersion}\n${canonicalJson(document)}`)
    .digest("base64url")
    .slice(0, 22);
}

/**
 * The compiled flag sets in memory, one per scope, rebuilt only when the version changes
 * (targeting is compiled once per version). Records evaluation times and API key uses in memory
 * and writes them in batches, so neither the stale-flag report nor "last used" costs a write per
 * evaluation.
 */
export class LiveFlagSets {
  readonly #sets = new Map<string, LiveFlagSet>();
  readonly #loading = new Map<string, Promise<LiveFlagSet>>();
  readonly #marks = new Map<
    string,
    { scope: FlagScope; flagKey: string; at: number; count: number }
  >();
  /** API key id → latest use (ms), written with the evaluation marks. */
  readonly #keyUses = new Map<string, number>();
  readonly #listeners = new Set<(change: FlagSetChange) => void>();

  constructor(
    private readonly deps: {
      store: Pick<
        FlagStore,
        "getFlagSet" | "listVersions" | "recordEvaluations" | "recordApiKeyUses"
      >;
      clock: Clock;
      logger: Logger;
      fractionalVersion: FractionalVersion;
    },
  ) {}

  /** The live set of a scope (an empty set when none was written yet). */
  async get(scope: FlagScope): Promise<LiveFlagSet> {
    const key = scopeKey(scope);
    const cached = this.#sets.get(key);
    if (cached) return cached;
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.deps.store
        .getFlagSet(scope)
        .then((stored) => this.#install(scope, stored))
        .finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading;
  }

  /** Installs a version just written and tells the listeners which flags changed. */
  replace(stored: StoredFlagSet, flagKeys: string[]): LiveFlagSet {
    const live = this.#install(stored, stored);
    const change = {
      scope: live.scope,
      version: live.version,
      etag: live.etag,
      flagKeys,
    };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.deps.logger.warn("a flag change listener failed", {
          error: String(error),
        });
      }
    }
    return live;
  }

  /**
   * Picks up versions another process wrote (another `sluice serve` replica, a CLI on the same
   * Postgres): every cached set whose stored version is newer is reloaded, compiled and announced
   * to the listeners like a local write. Returns how many sets changed. `sluice serve` calls it
   * every second on Postgres (ADR 061).
   */
  async sync(): Promise<number> {
    if (this.#sets.size === 0) return 0;
    let changed = 0;
    for (const { scope, version } of await this.deps.store.listVersions()) {
      const cached = this.#sets.get(scopeKey(scope));
      if (!cached || cached.version >= version) continue;
      const stored = await this.deps.store.getFlagSet(scope);
      if (!stored || stored.version <= cached.version) continue;
      this.replace(stored, changedFlagKeys(cached.document, stored.document));
      changed++;
    }
    return changed;
  }

  /** Subscribes to flag-set changes; returns the unsubscribe function. */
  onChange(listener: (change: FlagSetChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Evaluates one flag and marks it as evaluated. */
  evaluate(live: LiveFlagSet, key: string, context: unknown): Evaluation {
    const result = live.evaluator.evaluate(key, context);
    if (result.errorCode !== "FLAG_NOT_FOUND") this.#mark(live.scope, key, 1);
    return result;
  }

  /** Evaluates every flag of the set and marks them. */
  evaluateAll(live: LiveFlagSet, context: unknown): Evaluation[] {
    const results = live.evaluator.evaluateAll(context);
    for (const r of results) this.#mark(live.scope, r.key, 1);
    return results;
  }

  /** Evaluation times not yet written, per flag key, for one scope (ms). */
  pendingMarks(scope: FlagScope): Map<string, number> {
    const out = new Map<string, number>();
    for (const mark of this.#marks.values())
      if (scopeKey(mark.scope) === scopeKey(scope))
        out.set(mark.flagKey, mark.at);
    return out;
  }

  /** Notes that an API key authenticated a request at `at` (ms; its "last used" time). */
  markKeyUse(id: string, at: number): void {
    this.#keyUses.set(id, at);
  }

  /**
   * Writes the batched evaluation marks and API key uses. A batch leaves memory only once its
   * write succeeded: a failed write puts it back, merged with what was marked meanwhile, for the
   * next flush to retry (the error is still thrown, for the caller to log).
   */
  async flush(): Promise<void> {
    let failure: { error: unknown } | undefined;
    if (this.#keyUses.size > 0) {
      const uses = [...this.#keyUses];
      this.#keyUses.clear();
      try {
        await this.deps.store.recordApiKeyUses(
          uses.map(([id, at]) => ({ id, at: new Date(at) })),
        );
      } catch (error) {
        for (const [id, at] of uses)
          this.#keyUses.set(id, Math.max(at, this.#keyUses.get(id) ?? at));
        failure ??= { error };
      }
    }
    if (this.#marks.size > 0) {
      const marks = [...this.#marks];
      this.#marks.clear();
      try {
        await this.deps.store.recordEvaluations(
          marks.map(([, m]) => ({
            ...m.scope,
            flagKey: m.flagKey,
            at: new Date(m.at),
            count: m.count,
          })),
        );
      } catch (error) {
        for (const [key, mark] of marks) {
          const newer = this.#marks.get(key);
          if (newer) {
            newer.at = Math.max(newer.at, mark.at);
            newer.count += mark.count;
          } else this.#marks.set(key, mark);
        }
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  #mark(scope: FlagScope, flagKey: string, count: number): void {
    const key = `${scopeKey(scope)}\u0000${flagKey}`;
    const mark = this.#marks.get(key);
    const now = this.deps.clock.now();
    if (mark) {
      mark.at = now;
      mark.count += count;
    } else this.#marks.set(key, { scope, flagKey, at: now, count });
  }

  #install(scope: FlagScope, stored: StoredFlagSet | undefined): LiveFlagSet {
    const document = stored?.document ?? emptyDocument;
    const live: LiveFlagSet = {
      scope: { project: scope.project, environment: scope.environment },
      version: stored?.version ?? 0,
      etag: stored?.etag ?? etagOf(document, this.deps.fractionalVersion),
      document,
      evaluator: new FlagEvaluator(document, {
        clock: this.deps.clock,
        fractionalVersion: this.deps.fractionalVersion,
      }),
    };
    const key = scopeKey(scope);
    const existing = this.#sets.get(key);
    // A slower load must not replace a newer version installed meanwhile.
    if (!existing || existing.version <= live.version)
      this.#sets.set(key, live);
    return this.#sets.get(key) as LiveFlagSet;
  }
}
