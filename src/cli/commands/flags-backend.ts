import { execFileSync } from "node:child_process";
import { userInfo } from "node:os";
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
import { AppError } from "../../kernel/index.js";
import type { ServerFile } from "../../server/index.js";
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
 * The actor recorded in the audit log for changes made from this shell: `$SLUICE_ACTOR`, else who
 * git says commits in the current folder (`Name <email>`, as git writes an author), else the
 * operating system's user.
 */
export function actorOf(ctx: Pick<CliContext, "cwd" | "env">): string {
  if (ctx.env.SLUICE_ACTOR) return ctx.env.SLUICE_ACTOR;
  const git = (key: string): string => {
    try {
      return execFileSync("git", ["config", "--get", key], {
        cwd: ctx.cwd,
        env: ctx.env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 5000,
      }).trim();
    } catch {
      return ""; // no git, not set, or not readable: fall through
    }
  };
  const name = git("user.name");
  const email = git("user.email");
  if (name && email) return `${name} <${email}>`;
  if (name || email) return name || email;
  let osUser = "";
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the environment may still say.
  }
  return osUser || ctx.env.USER || ctx.env.LOGNAME || "cli";
}

/** Opens the store in this process. */
export async function localBackend(ctx: CliContext): Promise<FlagsBackend> {
  const { parsePercent, parseSchedule } = await import("../../flags/index.js");
  const app = await ctx.app();
  const flags = app.flags;
  const actor = actorOf(ctx);
  const opts = (reason?: string) => ({ actor, reason });
  return {
    list: (scope) => flags.list(scope),
    get: (scope, key) => flags.get(scope, key),
    set: (scope, key, flag, reason) =>
      flags.setFlag(scope, key, flag, opts(reason)),
    setState: (scope, key, state, reason) =>
      flags.setState(scope, key, state, opts(reason)),
    split: (scope, key, plan, reason) =>
      flags.split(
        scope,
        key,
        {
          steps: plan.schedule
            ? parseSchedule(plan.schedule)
            : [
                {
                  at: app.clock.now(),
                  percent: parsePercent(plan.percent ?? ""),
                },
              ],
          variants: {
            ...(plan.variant ? { on: plan.variant } : {}),
            ...(plan.offVariant ? { off: plan.offVariant } : {}),
          },
        },
        opts(reason),
      ),
    importSet: (scope, document, reason) =>
      flags.importSet(scope, document, opts(reason)),
    export: (scope) => flags.export(scope),
    history: (scope, key) => flags.history(scope, key),
    stale: (scope, days) => flags.stale(scope, days),
    kill: (scope, keys, reason) => flags.killFlags(scope, keys, reason, actor),
    createKey: (scope, name) => flags.createApiKey(scope, name, actor),
    listKeys: (filter) => flags.listApiKeys(filter),
    revokeKey: (id, reason) => flags.revokeApiKey(id, opts(reason)),
  };
}

/** Goes through the HTTP API of the server named in `$SLUICE_HOME/server.json`. */
export function remoteBackend(
  ctx: CliContext,
  server: ServerFile,
): FlagsBackend {
  const actor = actorOf(ctx);
  /** `path` is below /api/v1/flags. */
  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const url = `${server.url}/api/v1/flags${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          "x-sluice-actor": actor,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new AppError(
        "EXTERNAL",
        `cannot reach sluice serve at ${server.url} (pid ${server.pid}): ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const problem = (parsed ?? {}) as { code?: string; detail?: string };
      const code = (problem.code ?? "INTERNAL") as ConstructorParameters<
        typeof AppError
      >[0];
      throw new AppError(
        code,
        problem.detail ?? `sluice serve answered ${response.status}`,
      );
    }
    return parsed as T;
  };
  const call = <T>(
    method: string,
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

/** The server's API when `sluice serve` runs on this SLUICE_HOME, else the local store. */
export async function flagsBackend(ctx: CliContext): Promise<FlagsBackend> {
  const { readServerFile } = await import("../../server/index.js");
  const server = readServerFile(ctx.home);
  return server ? remoteBackend(ctx, server) : localBackend(ctx);
}
