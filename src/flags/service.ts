import { AppError } from "../kernel/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import { ApiKeys } from "./api-keys.js";
import type { KeyIdentity } from "./api-keys.js";
import type { RevokedKey } from "./api-keys.js";
import { auditRows, setMetadataChanged } from "./audit.js";
import type { ChangeOptions } from "./audit.js";
import { etagOf, LiveFlagSets } from "./live.js";
import type { FlagSetChange, LiveFlagSet } from "./live.js";
import type {
  ApiKeySummary,
  FlagAuditEntry,
  FlagScope,
  FlagStore,
  StoredFlagSet,
} from "./ports.js";
import {
  compileSplit,
  completesAt,
  splitCompleteKey,
  splitVariants,
} from "./split.js";
import { staleFlags } from "./stale.js";
import type { StaleFlag } from "./stale.js";
import type { SplitStep, SplitVariants } from "./split.js";
import { isValidFlagKey, parseFlagSet } from "./validate.js";
import type {
  Evaluation,
  FlagDefinition,
  FlagSetDocument,
  FractionalVersion,
} from "./types.js";

export interface FlagServiceDeps {
  store: FlagStore;
  clock: Clock;
  logger: Logger;
  /** Fractional bucketing for every flag set served; default 2. */
  fractionalVersion?: FractionalVersion;
}

/** A flag in a listing. */
export interface FlagSummary {
  key: string;
  state: "ENABLED" | "DISABLED";
  defaultVariant: string | null;
  variants: string[];
  targeting: boolean;
}

/** A write's result: the flag set as stored, and whether this write changed it. */
export interface FlagSetWrite extends StoredFlagSet {
  /** False when the flag set already was what the write asked for: nothing stored, no audit. */
  changed: boolean;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Flag management and evaluation for every project + environment: writes are validated as a
 * whole and stored with their audit rows in one transaction, or not at all.
 */
export class FlagService {
  readonly #live: LiveFlagSets;
  readonly #store: FlagStore;
  readonly #clock: Clock;
  readonly #fractionalVersion: FractionalVersion;
  readonly #keys: ApiKeys;

  /** The fractional bucketing version every flag set is served with. */
  get fractionalVersion(): FractionalVersion {
    return this.#fractionalVersion;
  }

  constructor(deps: FlagServiceDeps) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#fractionalVersion = deps.fractionalVersion ?? 2;
    this.#live = new LiveFlagSets({
      store: deps.store,
      clock: deps.clock,
      logger: deps.logger,
      fractionalVersion: this.#fractionalVersion,
    });
    this.#keys = new ApiKeys({
      store: deps.store,
      clock: deps.clock,
      live: this.#live,
    });
  }

  /** The live (compiled) flag set of a scope. */
  current(scope: FlagScope): Promise<LiveFlagSet> {
    return this.#live.get(scope);
  }

  onChange(listener: (change: FlagSetChange) => void): () => void {
    return this.#live.onChange(listener);
  }

  /** Every flag of a live set for one context (OFREP's bulk evaluation). */
  evaluateAll(live: LiveFlagSet, context: unknown): Evaluation[] {
    return this.#live.evaluateAll(live, context);
  }

  /** Writes the batched "last evaluated" times (for the stale-flag report). */
  flushEvaluations(): Promise<void> {
    return this.#live.flush();
  }

  /** Picks up flag-set versions written by other processes; returns how many changed. */
  syncVersions(): Promise<number> {
    return this.#live.sync();
  }

  async evaluate(
    scope: FlagScope,
    key: string,
    context: unknown,
  ): Promise<Evaluation> {
    return this.#live.evaluate(await this.#live.get(scope), key, context);
  }

  async list(scope: FlagScope): Promise<FlagSummary[]> {
    const { document } = await this.#live.get(scope);
    return Object.entries(document.flags).map(([key, flag]) => ({
      key,
      state: flag.state,
      defaultVariant: flag.defaultVariant ?? null,
      variants: Object.keys(flag.variants),
      targeting: Boolean(
        flag.targeting && Object.keys(flag.targeting).length > 0,
      ),
    }));
  }

  async get(scope: FlagScope, key: string): Promise<FlagDefinition> {
    return requireFlag(scope, (await this.#live.get(scope)).document, key);
  }

  async export(scope: FlagScope): Promise<FlagSetDocument> {
    return clone((await this.#live.get(scope)).document);
  }

  /**
   * Replaces the whole flag set with a flagd document (JSON text or parsed). Invalid documents
   * are rejected with every problem's JSON path; nothing is stored then.
   */
  async importSet(
    scope: FlagScope,
    input: unknown,
    options: ChangeOptions,
  ): Promise<FlagSetWrite> {
    let parsedInput = input;
    if (typeof input === "string") {
      try {
        parsedInput = JSON.parse(input);
      } catch (error) {
        throw new AppError(
          "CONFIG_INVALID",
          `the flag set is not valid JSON: ${(error as Error).message}`,
        );
      }
    }
    return this.#write(scope, "import", options, () => {
      const parsed = parseFlagSet(parsedInput);
      if (!parsed.ok) throw invalid(parsed.problems);
      return parsed.document;
    });
  }

  /** Creates or replaces one flag. */
  async setFlag(
    scope: FlagScope,
    key: string,
    flag: unknown,
    options: ChangeOptions,
  ): Promise<FlagSetWrite> {
    checkKey(key);
    return this.#write(scope, undefined, options, (doc) => ({
      ...doc,
      flags: { ...doc.flags, [key]: flag as FlagDefinition },
    }));
  }

  async deleteFlag(
    scope: FlagScope,
    key: string,
    options: ChangeOptions,
  ): Promise<FlagSetWrite> {
    return this.#write(scope, undefined, options, (doc) => {
      requireFlag(scope, doc, key);
      const flags = { ...doc.flags };
      delete flags[key];
      return { ...doc, flags };
    });
  }

  async setState(
    scope: FlagScope,
    key: string,
    state: "ENABLED" | "DISABLED",
    options: ChangeOptions,
  ): Promise<FlagSetWrite> {
    return this.#write(
      scope,
      state === "ENABLED" ? "enable" : "disable",
      options,
      (doc) => {
        const flag = requireFlag(scope, doc, key);
        return { ...doc, flags: { ...doc.flags, [key]: { ...flag, state } } };
      },
    );
  }

  /**
   * The kill switch (the deploy capability calls it when a rollout fails): disables the named
   * flags in one version, so every client gets its code default. Unknown keys are an error and
   * nothing is changed.
   */
  async killFlags(
    scope: FlagScope,
    keys: string[],
    reason: string,
    actor = "sluice",
  ): Promise<FlagSetWrite> {
    return this.#write(scope, "kill", { actor, reason }, (doc) => {
      const flags = { ...doc.flags };
      for (const key of keys)
        flags[key] = { ...requireFlag(scope, doc, key), state: "DISABLED" };
      return { ...doc, flags };
    });
  }

  /**
   * A percentage split: serves a flag's variant to a share of users now, or on a timetable
   * (steps compiled into `fractional` targeting on `$flagd.timestamp`, so no scheduler runs).
   * Audited under the action `rollout`, the name the audit API has always used (ADR 062).
   */
  async split(
    scope: FlagScope,
    key: string,
    plan: { steps: SplitStep[]; variants?: Partial<SplitVariants> },
    options: ChangeOptions,
  ): Promise<FlagSetWrite> {
    return this.#write(scope, "rollout", options, (doc) => {
      const flag = requireFlag(scope, doc, key);
      const variants = splitVariants(key, flag, plan.variants ?? {});
      const metadata = { ...flag.metadata };
      const complete = completesAt(plan.steps);
      if (complete === undefined) delete metadata[splitCompleteKey];
      else metadata[splitCompleteKey] = complete;
      const next: FlagDefinition = {
        ...flag,
        state: "ENABLED",
        defaultVariant: flag.defaultVariant ?? variants.off,
        targeting: compileSplit(plan.steps, variants, this.#clock.now()),
        metadata,
      };
      return { ...doc, flags: { ...doc.flags, [key]: next } };
    });
  }

  /** The audit log of one flag (or of the whole set), newest first. */
  history(scope: FlagScope, key?: string): Promise<FlagAuditEntry[]> {
    return this.#store.listAudit(scope, key);
  }

  /** Flags not evaluated for `days`, or split 100% to one variant for `days`. */
  async stale(scope: FlagScope, days: number): Promise<StaleFlag[]> {
    await this.#live.flush();
    const { document } = await this.#live.get(scope);
    const evaluated = await this.#store.lastEvaluations(scope);
    const audit = await this.#store.listAudit(scope);
    return staleFlags(
      document,
      evaluated,
      audit,
      this.#clock.now() - days * 86_400_000,
    );
  }

  /**
   * Creates an API key for OFREP evaluation in one scope; the key is returned once, only its hash
   * is kept. The audit log records the creation under the key's id.
   */
  createApiKey(
    scope: FlagScope,
    name = "default",
    actor = "sluice",
  ): Promise<{ id: string; key: string }> {
    return this.#keys.create(scope, name, actor);
  }

  /** API keys (never the key nor its hash), of every scope or of those matching the filter. */
  listApiKeys(filter?: Partial<FlagScope>): Promise<ApiKeySummary[]> {
    return this.#keys.list(filter);
  }

  /**
   * Revokes an API key (kept for audit, with a `revoke-key` audit row): refused at once by this
   * process. Revoking it again changes nothing; an unknown id is NOT_FOUND.
   */
  revokeApiKey(id: string, options: ChangeOptions): Promise<RevokedKey> {
    return this.#keys.revoke(id, options);
  }

  /** The scope an API key may evaluate, or undefined for an unknown or revoked key. */
  authenticate(key: string): Promise<FlagScope | undefined> {
    return this.#keys.authenticate(key);
  }

  /** The id and scope of a valid API key; undefined for a malformed, unknown or revoked one. */
  identifyApiKey(key: string): Promise<KeyIdentity | undefined> {
    return this.#keys.identify(key);
  }

  /** `identifyApiKey` from the cache, without waiting; null: known bad; undefined: ask it. */
  cachedApiKey(key: string): KeyIdentity | null | undefined {
    return this.#keys.cachedIdentity(key);
  }

  /** The scope of a key id when the key is not revoked, asked of the store (no cache). */
  activeApiKeyScope(id: string): Promise<FlagScope | undefined> {
    return this.#keys.activeScope(id);
  }

  /** Calls `listener` with the id of each key revoked through this service. */
  onApiKeyRevoked(listener: (id: string) => void): () => void {
    return this.#keys.onRevoke(listener);
  }

  async #write(
    scope: FlagScope,
    action: FlagAuditEntry["action"] | undefined,
    options: ChangeOptions,
    change: (doc: FlagSetDocument) => FlagSetDocument,
  ): Promise<FlagSetWrite> {
    const stored = await this.#store.getFlagSet(scope);
    const before: FlagSetDocument = stored?.document ?? { flags: {} };
    const draft = change(clone(before));
    const parsed = parseFlagSet(draft);
    if (!parsed.ok) throw invalid(parsed.problems);
    const after = parsed.document;
    const at = new Date(this.#clock.now());
    const audit = auditRows(scope, before, after, action, options, at);
    if (audit.length === 0 && !setMetadataChanged(before, after) && stored)
      return { ...stored, changed: false };
    const saved = await this.#store.saveFlagSet({
      scope,
      expectedVersion: stored?.version ?? 0,
      document: after,
      etag: etagOf(after, this.#fractionalVersion),
      actor: options.actor,
      at,
      audit,
    });
    this.#live.replace(
      saved,
      audit.map((a) => a.flagKey),
    );
    return { ...saved, changed: true };
  }
}

function checkKey(key: string): void {
  if (!isValidFlagKey(key))
    throw new AppError(
      "INVALID_ARGUMENT",
      `flag key ${JSON.stringify(key)} may hold letters, digits and _ . : - $ only`,
    );
}

function requireFlag(
  scope: FlagScope,
  doc: FlagSetDocument,
  key: string,
): FlagDefinition {
  const flag = Object.hasOwn(doc.flags, key) ? doc.flags[key] : undefined;
  if (!flag)
    throw new AppError(
      "NOT_FOUND",
      `no flag ${key} in ${scope.project}/${scope.environment}`,
    );
  return flag;
}

function invalid(problems: { path: string; message: string }[]): AppError {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return new AppError(
    "CONFIG_INVALID",
    `invalid flag set at ${first?.path}: ${first?.message}${more}`,
    {
      // Every problem, one a line, when there is more than the one in the message.
      ...(problems.length > 1
        ? {
            detail: problems.map((p) => `  ${p.path}: ${p.message}`).join("\n"),
          }
        : {}),
    },
  );
}
