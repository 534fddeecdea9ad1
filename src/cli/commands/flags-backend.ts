import type {
  ApiKeySummary,
  FlagAuditEntry,
  FlagDefinition,
  FlagScope,
  FlagSetDocument,
  FlagSummary,
  RevokedKey,
  StaleFlag,
} from "../../flags/index.js";
import { actorOf } from "../actor.js";
import type { CliContext } from "../context.js";

/** What the `flags` commands need, served by the local store or by a running `sluice serve`. */
export interface FlagsBackend {
  list(scope: FlagScope): Promise<FlagSummary[]>;
  get(scope: FlagScope, key: string): Promise<FlagDefinition>;
  set(
    scope: FlagScope,
    key: string,
    flag: unknown,
    reason?: string,
  ): Promise<{ version: number }>;
  setState(
    scope: FlagScope,
    key: string,
    state: "ENABLED" | "DISABLED",
    reason?: string,
  ): Promise<{ version: number; changed?: boolean }>;
  /** A percentage split (the HTTP route keeps its first name, `/rollout`). */
  split(
    scope: FlagScope,
    key: string,
    plan: {
      percent?: string;
      schedule?: string;
      variant?: string;
      offVariant?: string;
    },
    reason?: string,
  ): Promise<{ version: number }>;
  importSet(
    scope: FlagScope,
    document: unknown,
    reason?: string,
  ): Promise<{ version: number }>;
  export(scope: FlagScope): Promise<FlagSetDocument>;
  history(scope: FlagScope, key?: string): Promise<FlagAuditEntry[]>;
  stale(scope: FlagScope, days: number): Promise<StaleFlag[]>;
  kill(
    scope: FlagScope,
    keys: string[],
    reason: string,
  ): Promise<{ version: number }>;
  createKey(
    scope: FlagScope,
    name: string,
  ): Promise<{ id: string; key: string }>;
  listKeys(filter: Partial<FlagScope>): Promise<ApiKeySummary[]>;
  revokeKey(id: string, reason?: string): Promise<RevokedKey>;
}

/**
 * The flags commands' one backend: the flag routes of the home's local server (started on
 * demand; `sluice serve` serves the same socket), so they work while a pipeline or a server
 * holds the store, and every change is audited as this terminal's actor.
 */
export async function flagsBackend(ctx: CliContext): Promise<FlagsBackend> {
  const { localClient } = await import("../client/local-server.js");
  const client = localClient({ ...ctx, actor: actorOf(ctx) });
  /** `path` is below /api/v1/flags. */
  const request = <T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<T> => client.json<T>(method, `/api/v1/flags${path}`, body);
  const call = <T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    scope: FlagScope,
    path: string,
    body?: unknown,
  ): Promise<T> =>
    request<T>(
      method,
      `/${encodeURIComponent(scope.project)}/${encodeURIComponent(scope.environment)}${path}`,
      body,
    );
  const flag = (key: string) => `/flags/${encodeURIComponent(key)}`;
  return {
    list: (scope) => call("GET", scope, ""),
    get: (scope, key) => call("GET", scope, flag(key)),
    set: (scope, key, value, reason) =>
      call("PUT", scope, flag(key), { flag: value, reason }),
    setState: (scope, key, state, reason) =>
      call(
        "POST",
        scope,
        `${flag(key)}/${state === "ENABLED" ? "enable" : "disable"}`,
        { reason },
      ),
    split: (scope, key, plan, reason) =>
      call("POST", scope, `${flag(key)}/rollout`, { ...plan, reason }),
    importSet: (scope, document, reason) =>
      call("PUT", scope, "", { document, reason }),
    export: (scope) => call("GET", scope, "/export"),
    history: (scope, key) =>
      call(
        "GET",
        scope,
        key === undefined ? "/history" : `${flag(key)}/history`,
      ),
    stale: (scope, days) => call("GET", scope, `/stale?days=${days}`),
    kill: (scope, keys, reason) =>
      call("POST", scope, "/kill", { keys, reason }),
    createKey: (scope, name) => call("POST", scope, "/keys", { name }),
    listKeys: (filter) => {
      const query = new URLSearchParams(
        Object.entries(filter).filter(([, v]) => v !== undefined),
      ).toString();
      return request("GET", `/keys${query ? `?${query}` : ""}`);
    },
    revokeKey: (id, reason) =>
      request("POST", `/keys/${encodeURIComponent(id)}/revoke`, { reason }),
  };
}
