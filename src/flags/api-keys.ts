import { createHash, randomBytes } from "node:crypto";
import { AppError, newId } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { LiveFlagSets } from "./live.js";
import { Lru } from "./lru.js";
import type { ApiKeySummary, FlagScope, FlagStore } from "./ports.js";

/**
 * How long this process trusts a valid key without asking the store again: the bound on how
 * late another process sharing the database refuses a key revoked elsewhere (ADR 061).
 * Revocation through this process evicts the key at once.
 */
export const keyCacheMs = 30_000;
/** Unknown (and revoked) keys are remembered briefly, so a repeated bad key costs few queries. */
const unknownKeyCacheMs = 5_000;
/** Each cache keeps at most this many keys, dropping the least recently used first. */
const maxCachedKeys = 10_000;
/**
 * What `create` hands out: anything else cannot be a key and is refused without a lookup, so
 * junk credentials cost no query (issue 10 item 8).
 */
const keyFormat = /^sluice_flags_[A-Za-z0-9_-]{32}$/;

/** A key's identity once authenticated: its id (the audit actor) and its scope. */
export interface KeyIdentity {
  id: string;
  scope: FlagScope;
}

interface CachedKey {
  /** Undefined for an unknown or revoked key. */
  identity: KeyIdentity | undefined;
  until: number;
  /** When this process last noted a use of the key (0: not yet). */
  used: number;
}

/** The outcome of a revocation: the key as it now is, and whether this call revoked it. */
export interface RevokedKey {
  key: ApiKeySummary;
  /** False when the key was revoked before: nothing changed. */
  changed: boolean;
}

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/**
 * OFREP API keys: created shown once (only a hash is stored), authenticated through a short
 * cache, listed without secrets, revoked with an audit row. The key id is what the audit log,
 * the listing and revocation name; the key itself never leaves `create`.
 */
export class ApiKeys {
  readonly #store: FlagStore;
  readonly #clock: Clock;
  readonly #live: Pick<LiveFlagSets, "markKeyUse" | "flush">;
  /**
   * The key as presented → what the store answered, until when: valid keys, then unknown or
   * revoked ones. Keyed by the key itself, not its hash: a cached request then hashes nothing
   * (sha256 was the largest single cost of an OFREP request, ADR 015). The keys live only in this
   * process's memory, as they do while each request is handled; the store holds hashes only.
   */
  readonly #valid = new Lru<CachedKey>(maxCachedKeys);
  readonly #unknown = new Lru<CachedKey>(maxCachedKeys);
  readonly #revokedListeners = new Set<(id: string) => void>();
  /** Counts revocations, so a lookup that raced one is not cached. */
  #revocations = 0;

  constructor(deps: {
    store: FlagStore;
    clock: Clock;
    live: Pick<LiveFlagSets, "markKeyUse" | "flush">;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#live = deps.live;
  }

  async create(
    scope: FlagScope,
    name: string,
    actor: string,
  ): Promise<{ id: string; key: string }> {
    const key = `sluice_flags_${randomBytes(24).toString("base64url")}`;
    const now = this.#clock.now();
    const id = newId("fkey", now);
    const at = new Date(now);
    await this.#store.createApiKey(
      {
        id,
        ...scope,
        name,
        keyHash: hashKey(key),
        createdAt: at,
        revokedAt: null,
      },
      {
        id: newId("faud", now),
        ...scope,
        flagKey: id,
        action: "create-key",
        actor,
        reason: null,
        before: null,
        after: { id, name, ...scope },
        changes: [],
        createdAt: at,
      },
    );
    // A key looked up (and found unknown) just before it existed must not wait out that answer.
    this.#unknown.delete(key);
    return { id, key };
  }

  /** Every key, or a project's / environment's; with pending "last used" times written first. */
  async list(filter: Partial<FlagScope> = {}): Promise<ApiKeySummary[]> {
    await this.#live.flush();
    return this.#store.listApiKeys(filter);
  }

  /**
   * Revokes a key: refused from the next request on in this process, within `keyCacheMs` in
   * others. Revoking a revoked key changes nothing (`changed: false`); an unknown id is NOT_FOUND.
   */
  async revoke(
    id: string,
    options: { actor: string; reason?: string | undefined },
  ): Promise<RevokedKey> {
    const at = new Date(this.#clock.now());
    const reason = options.reason?.trim() || null;
    const revoked = await this.#store.revokeApiKey({
      id,
      at,
      actor: options.actor,
      reason,
      audit: {
        id: newId("faud", at.getTime()),
        flagKey: id,
        action: "revoke-key",
        actor: options.actor,
        reason,
        before: { revokedAt: null },
        after: { revokedAt: at.toISOString() },
        changes: ["revokedAt"],
        createdAt: at,
      },
    });
    this.#revocations += 1;
    this.#evict(id);
    if (revoked) {
      for (const listener of this.#revokedListeners) listener(id);
      return { key: revoked, changed: true };
    }
    // Not revoked now: unknown, or revoked before (by this call's twin, perhaps).
    const existing = await this.#store.getApiKey(id);
    if (!existing)
      throw new AppError("NOT_FOUND", `no API key ${JSON.stringify(id)}`);
    return { key: existing, changed: false };
  }

  /**
   * The scope a key may evaluate, or undefined for an unknown or revoked key (the caller cannot
   * tell which).
   */
  async authenticate(key: string): Promise<FlagScope | undefined> {
    return (await this.identify(key))?.scope;
  }

  /**
   * The id and scope of a valid key, or undefined for a malformed, unknown or revoked one.
   * Answers are cached (`keyCacheMs`; unknown keys 5 s; each cache bounded, least recently used
   * out first), so OFREP requests cost no query each; each use is noted for "last used",
   * written in batches.
   */
  async identify(key: string): Promise<KeyIdentity | undefined> {
    const cached = this.cachedIdentity(key);
    if (cached !== undefined) return cached ?? undefined;
    const now = this.#clock.now();
    const revocations = this.#revocations;
    const record = await this.#store.findApiKeyByHash(hashKey(key));
    const valid = record && !record.revokedAt ? record : undefined;
    const entry: CachedKey = {
      // Frozen: `cachedIdentity` hands this same object to every request.
      identity:
        valid &&
        Object.freeze({
          id: valid.id,
          scope: Object.freeze({
            project: valid.project,
            environment: valid.environment,
          }),
        }),
      until: now + (valid ? keyCacheMs : unknownKeyCacheMs),
      used: 0,
    };
    // A revocation that finished while the store answered may concern this very key: the
    // answer is good for this request only.
    if (revocations === this.#revocations) {
      (valid ? this.#valid : this.#unknown).set(key, entry);
      (valid ? this.#unknown : this.#valid).delete(key);
    }
    return entry.identity && this.#used(entry, now);
  }

  /**
   * What `identify` answers when no store query is needed, without waiting: the key's identity
   * (the same object while it stays cached), null for a malformed key or one known to be unknown
   * or revoked, undefined when only the store can tell. The OFREP hot path (issue 11 bench).
   */
  cachedIdentity(key: string): KeyIdentity | null | undefined {
    // Only well-formed keys are ever cached, so a cached one needs no format check.
    const entry = this.#valid.peek(key) ?? this.#unknown.peek(key);
    if (!entry) return keyFormat.test(key) ? undefined : null;
    const now = this.#clock.now();
    if (entry.until <= now) return undefined;
    return entry.identity ? this.#used(entry, now, key) : null;
  }

  /**
   * Notes a use of a valid key, to the second: a busy key costs one "last used" write and one
   * move to the cache's most recent end a second, not one each request.
   */
  #used(entry: CachedKey, now: number, key?: string): KeyIdentity {
    if (now - entry.used >= 1000) {
      entry.used = now;
      if (key !== undefined) this.#valid.set(key, entry);
      this.#live.markKeyUse(entry.identity!.id, now);
    }
    return entry.identity!;
  }

  /**
   * The scope of the key with this id when it is not revoked, asked of the store (no cache):
   * event streams check it when they (re)connect and while they stay open.
   */
  async activeScope(id: string): Promise<FlagScope | undefined> {
    const key = await this.#store.getApiKey(id);
    if (!key || key.revokedAt) return undefined;
    return { project: key.project, environment: key.environment };
  }

  /** Calls `listener` with the id of each key this process revokes; returns the unsubscribe. */
  onRevoke(listener: (id: string) => void): () => void {
    this.#revokedListeners.add(listener);
    return () => this.#revokedListeners.delete(listener);
  }

  #evict(id: string): void {
    for (const [key, entry] of [...this.#valid.entries()])
      if (entry.identity?.id === id) this.#valid.delete(key);
  }
}
