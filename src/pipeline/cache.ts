import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { Clock } from "../kernel/index.js";
import type { CacheRestore, CacheStore, TriggerFacts } from "./ports.js";
import { tar } from "./tar.js";

/** What `<dir>/<hash>/entry.json` holds. */
interface CacheEntry {
  key: string;
  /** The branch that saved it (see CacheStore). */
  scope: string;
  createdAt: number;
  /** The path specs as declared (`node_modules`, `~/.npm`); archive i holds path i. */
  paths: string[];
  /** Specs that existed when saved (missing ones have no archive). */
  saved: boolean[];
  /** Size of the archives. */
  bytes: number;
}

/** GitHub's budget: entries unused for 7 days go, and the least recently used beyond 10 GB. */
const defaultCacheLimits = {
  maxBytes: 10 * 1024 ** 3,
  maxAgeMs: 7 * 24 * 3600 * 1000,
};

/** Resolves a cache path: `~` is the step's HOME, relative paths are under the workdir. */
export function resolveCachePath(
  spec: string,
  where: { workdir: string; env: Record<string, string> },
): string {
  if (spec === "~" || spec.startsWith("~/"))
    return join(where.env.HOME ?? "/", spec.slice(1));
  return isAbsolute(spec) ? spec : resolve(where.workdir, spec);
}

/**
 * The cache scope of a run: its branch, or the default branch's scope (`main` when git does not
 * say) for the default branch itself and for a run with no branch (no repository, detached HEAD).
 */
export function cacheScope(
  facts: Pick<TriggerFacts, "branch" | "defaultBranch">,
  which: "run" | "default" = "run",
): string {
  const fallback = facts.defaultBranch ?? "main";
  return which === "default" ? fallback : (facts.branch ?? fallback);
}

function keyDir(dir: string, scope: string, key: string): string {
  return join(
    dir,
    createHash("sha256").update(`${scope}\0${key}`).digest("hex").slice(0, 40),
  );
}

/**
 * The local cache: immutable entries (one tar.gz per declared path) in `<home>/cache/`, found by
 * exact key, else by restore-key prefixes with the most recent entry first.
 */
export function createLocalCache(options: {
  dir: string;
  clock: Clock;
  maxBytes?: number;
  maxAgeMs?: number;
}): CacheStore & { prune(keep?: string): string[] } {
  const { dir, clock } = options;
  const maxBytes = options.maxBytes ?? defaultCacheLimits.maxBytes;
  const maxAgeMs = options.maxAgeMs ?? defaultCacheLimits.maxAgeMs;
  /** Last use lives beside the immutable entry.json. */
  const lastUsed = (entry: CacheEntry & { path: string }): number => {
    try {
      return (
        Number(readFileSync(join(entry.path, "last-used"), "utf8")) ||
        entry.createdAt
      );
    } catch {
      return entry.createdAt;
    }
  };
  const touch = (entryDir: string) =>
    writeFileSync(join(entryDir, "last-used"), String(clock.now()), {
      mode: 0o600,
    });

  /** Evicts entries unused for maxAgeMs, then the least recently used beyond maxBytes. */
  const prune = (keep?: string): string[] => {
    const now = clock.now();
    const all = entries()
      .filter((e) => e.key !== keep)
      .map((e) => ({ ...e, used: lastUsed(e) }))
      .sort((a, b) => a.used - b.used);
    let total = entries().reduce((sum, e) => sum + (e.bytes ?? 0), 0);
    const evicted: string[] = [];
    for (const entry of all) {
      if (now - entry.used <= maxAgeMs && total <= maxBytes) continue;
      rmSync(entry.path, { recursive: true, force: true });
      total -= entry.bytes ?? 0;
      evicted.push(entry.key);
    }
    return evicted;
  };

  const entries = (): (CacheEntry & { path: string })[] => {
    if (!existsSync(dir)) return [];
    const found: (CacheEntry & { path: string })[] = [];
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".")) continue;
      try {
        const entry = JSON.parse(
          readFileSync(join(dir, name, "entry.json"), "utf8"),
        ) as CacheEntry;
        found.push({ ...entry, path: join(dir, name) });
      } catch {
        // A half-written or foreign folder is not an entry.
      }
    }
    return found;
  };

  const extract = async (
    entryDir: string,
    entry: CacheEntry,
    where: { workdir: string; env: Record<string, string> },
  ) => {
    for (const [i, spec] of entry.paths.entries()) {
      if (!entry.saved[i]) continue;
      const target = resolveCachePath(spec, where);
      mkdirSync(dirname(target), { recursive: true });
      await tar(["-xzf", join(entryDir, `${i}.tar.gz`), "-C", dirname(target)]);
    }
  };

  return {
    async restore(spec, where): Promise<CacheRestore> {
      let all: (CacheEntry & { path: string })[] | undefined;
      // As GitHub: the exact key, then the restore keys, in the run's scope; then the same in the
      // default branch's scope.
      for (const scope of new Set(spec.scopes)) {
        const exact = keyDir(dir, scope, spec.key);
        if (existsSync(join(exact, "entry.json"))) {
          const entry = JSON.parse(
            readFileSync(join(exact, "entry.json"), "utf8"),
          ) as CacheEntry;
          await extract(exact, entry, where);
          touch(exact);
          // A key over no files (`npm-` when there is no lockfile) says nothing of what the entry
          // holds: the files may be stale, so the step must run on top of them.
          return {
            status: spec.unhashed ? "partial" : "exact",
            matchedKey: entry.key,
          };
        }
        if (spec.restoreKeys.length === 0) continue;
        all ??= entries().sort((a, b) => b.createdAt - a.createdAt);
        for (const prefix of spec.restoreKeys) {
          const hit = all.find(
            (e) => e.scope === scope && e.key.startsWith(prefix),
          );
          if (hit) {
            await extract(hit.path, hit, where);
            touch(hit.path);
            return { status: "partial", matchedKey: hit.key };
          }
        }
      }
      return { status: "miss" };
    },

    prune,

    async save(spec, where) {
      const final = keyDir(dir, spec.scope, spec.key);
      if (existsSync(final) && !spec.unhashed)
        return { outcome: "exists", evicted: [] };
      // Private to the user whatever the umask (a cached folder may hold credentials).
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = join(dir, `.tmp-${randomBytes(6).toString("hex")}`);
      const old = join(dir, `.old-${randomBytes(6).toString("hex")}`);
      mkdirSync(tmp, { mode: 0o700 });
      try {
        const saved: boolean[] = [];
        for (const [i, pathSpec] of spec.paths.entries()) {
          const source = resolveCachePath(pathSpec, where);
          saved.push(existsSync(source));
          if (!existsSync(source)) continue;
          // Created here, so tar only fills it: the archive keeps this mode.
          writeFileSync(join(tmp, `${i}.tar.gz`), "", { mode: 0o600 });
          await tar([
            "-czf",
            join(tmp, `${i}.tar.gz`),
            "-C",
            dirname(source),
            basename(source),
          ]);
        }
        if (!saved.some(Boolean) && !spec.allowEmpty) {
          return { outcome: "empty", evicted: [] };
        }
        let bytes = 0;
        for (const [i, ok] of saved.entries()) {
          if (ok) bytes += statSync(join(tmp, `${i}.tar.gz`)).size;
        }
        const entry: CacheEntry = {
          key: spec.key,
          scope: spec.scope,
          createdAt: clock.now(),
          paths: spec.paths,
          saved,
          bytes,
        };
        writeFileSync(join(tmp, "entry.json"), JSON.stringify(entry), {
          mode: 0o600,
        });
        // An unhashed key's entry is replaced: moved aside first, since rename does not replace
        // a non-empty folder. A restore reading the old one at that moment fails and the step
        // runs as on a miss.
        if (spec.unhashed && existsSync(final)) {
          try {
            renameSync(final, old);
          } catch {
            // another run replaced it first
          }
        }
        try {
          renameSync(tmp, final);
        } catch {
          // another run saved the same key first: entries are immutable
          return { outcome: "exists", evicted: [] };
        }
        touch(final);
        return {
          outcome: saved.some(Boolean) ? "saved" : "empty",
          evicted: prune(spec.key),
        };
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        rmSync(old, { recursive: true, force: true });
      }
    },
  };
}
