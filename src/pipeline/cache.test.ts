import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { cacheScope, createLocalCache, resolveCachePath } from "./cache.js";
import { pipeline, testDeps } from "./engine.testkit.js";
import { createLocalDispatcher } from "./local-dispatcher.js";
import { plan } from "./plan.js";
import { executeRun } from "./scheduler.js";

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe("createLocalCache", () => {
  it("resolves ~ to the step's HOME and relative paths under the workdir", () => {
    const where = { workdir: "/w", env: { HOME: "/h" } };
    expect(resolveCachePath("~/.npm", where)).toBe("/h/.npm");
    expect(resolveCachePath("node_modules", where)).toBe("/w/node_modules");
    expect(resolveCachePath("/abs", where)).toBe("/abs");
  });

  it("answers exact, then partial by restore-key prefix (most recent first), then miss", async () => {
    const clock = new ManualClock(1000);
    const cache = createLocalCache({ dir: temp("sluice-cache-"), clock });
    const home = temp("sluice-home-");
    const save = async (key: string, content: string) => {
      const workdir = temp("sluice-w-");
      mkdirSync(join(workdir, "deps"));
      writeFileSync(join(workdir, "deps", "lib.txt"), content);
      writeFileSync(join(home, "global.txt"), `${content}-global`);
      clock.advance(1000);
      return cache.save(
        { key, paths: ["deps", "~/global.txt", "absent"], scope: "main" },
        { workdir, env: { HOME: home } },
      );
    };
    expect(await save("npm-linux-aaa", "old")).toEqual({
      outcome: "saved",
      evicted: [],
    });
    expect(await save("npm-linux-bbb", "new")).toEqual({
      outcome: "saved",
      evicted: [],
    });
    expect(await save("npm-linux-bbb", "again")).toEqual({
      outcome: "exists",
      evicted: [],
    }); // immutable per key

    const restoreInto = async (key: string, restoreKeys: string[]) => {
      const workdir = temp("sluice-r-");
      const otherHome = temp("sluice-h-");
      const result = await cache.restore(
        { key, restoreKeys, paths: ["deps"], scopes: ["main"] },
        { workdir, env: { HOME: otherHome } },
      );
      const file = join(workdir, "deps", "lib.txt");
      return {
        result,
        lib: existsSync(file) ? readFileSync(file, "utf8") : undefined,
        global: existsSync(join(otherHome, "global.txt"))
          ? readFileSync(join(otherHome, "global.txt"), "utf8")
          : undefined,
      };
    };
    expect(await restoreInto("npm-linux-aaa", ["npm-linux-"])).toEqual({
      result: { status: "exact", matchedKey: "npm-linux-aaa" },
      lib: "old",
      global: "old-global",
    });
    expect(
      await restoreInto("npm-linux-ccc", ["npm-mac-", "npm-linux-"]),
    ).toEqual({
      result: { status: "partial", matchedKey: "npm-linux-bbb" },
      lib: "new",
      global: "new-global",
    });
    expect(await restoreInto("npm-linux-ccc", ["pip-"])).toEqual({
      result: { status: "miss" },
      lib: undefined,
      global: undefined,
    });
  });

  it("scopes entries by branch: a branch reads its own, then the default branch's, never another branch's", async () => {
    const clock = new ManualClock(1000);
    const cache = createLocalCache({ dir: temp("sluice-cache-"), clock });
    const save = async (scope: string, key: string, content: string) => {
      const workdir = temp("sluice-w-");
      writeFileSync(join(workdir, "out.txt"), content);
      clock.advance(1000);
      return (
        await cache.save(
          { key, paths: ["out.txt"], scope },
          { workdir, env: {} },
        )
      ).outcome;
    };
    const restore = async (
      scopes: string[],
      key: string,
      restoreKeys: string[] = [],
    ) => {
      const workdir = temp("sluice-r-");
      const result = await cache.restore(
        { key, restoreKeys, paths: ["out.txt"], scopes },
        { workdir, env: {} },
      );
      const file = join(workdir, "out.txt");
      return [
        result.status,
        existsSync(file) ? readFileSync(file, "utf8") : undefined,
      ];
    };
    expect(await save("main", "deps-1", "from main")).toBe("saved");
    expect(await save("feature/a", "deps-2", "from a")).toBe("saved");
    // The same key on another branch is another entry, not "exists".
    expect(await save("feature/a", "deps-1", "a's own deps-1")).toBe("saved");

    // A branch prefers its own entry, and falls back to the default branch's.
    expect(await restore(["feature/a", "main"], "deps-1")).toEqual([
      "exact",
      "a's own deps-1",
    ]);
    expect(await restore(["feature/b", "main"], "deps-1")).toEqual([
      "exact",
      "from main",
    ]);
    // Another branch's entry is invisible, by key and by prefix.
    expect(await restore(["feature/b", "main"], "deps-2")).toEqual([
      "miss",
      undefined,
    ]);
    expect(await restore(["feature/b", "main"], "deps-9", ["deps-"])).toEqual([
      "partial",
      "from main",
    ]);
    // The default branch never reads a feature branch's entries.
    expect(await restore(["main"], "deps-2", ["deps-2"])).toEqual([
      "miss",
      undefined,
    ]);
  });

  it("saves nothing when no declared path exists, unless an empty entry is allowed", async () => {
    const cache = createLocalCache({
      dir: temp("sluice-cache-"),
      clock: new ManualClock(0),
    });
    const where = { workdir: temp("sluice-w-"), env: {} };
    expect(
      await cache.save({ key: "k", paths: ["nothing"], scope: "main" }, where),
    ).toEqual({
      outcome: "empty",
      evicted: [],
    });
    expect(
      await cache.restore(
        { key: "k", restoreKeys: [], paths: ["nothing"], scopes: ["main"] },
        where,
      ),
    ).toEqual({ status: "miss" });
    expect(
      await cache.save(
        { key: "k", paths: ["nothing"], allowEmpty: true, scope: "main" },
        where,
      ),
    ).toEqual({ outcome: "empty", evicted: [] });
    expect(
      await cache.restore(
        { key: "k", restoreKeys: [], paths: ["nothing"], scopes: ["main"] },
        where,
      ),
    ).toEqual({
      status: "exact",
      matchedKey: "k",
    });
  });
});

describe("cacheScope", () => {
  it.each([
    [{ branch: "feature/x", defaultBranch: "trunk" }, "feature/x", "trunk"],
    [{ branch: "trunk", defaultBranch: "trunk" }, "trunk", "trunk"],
    [{ branch: undefined, defaultBranch: "trunk" }, "trunk", "trunk"],
    [{ branch: "dev", defaultBranch: undefined }, "dev", "main"],
    [{}, "main", "main"],
  ])("of %j: run %s, default %s", (facts, run, fallback) => {
    expect(cacheScope(facts)).toBe(run);
    expect(cacheScope(facts, "default")).toBe(fallback);
  });
});

describe("cache eviction", () => {
  it("evicts entries unused for longer than the age limit, then the least recently used over budget", async () => {
    const clock = new ManualClock(0);
    const day = 24 * 3600 * 1000;
    const dir = temp("sluice-cache-");
    const cache = createLocalCache({
      dir,
      clock,
      maxAgeMs: 7 * day,
      maxBytes: 10_000,
    });
    const workdir = temp("sluice-w-");
    const where = { workdir, env: {} };
    const saveBlob = async (key: string, bytes: number) => {
      // Random bytes do not compress, so the archive is about this size.
      writeFileSync(join(workdir, "blob"), randomBytes(bytes));
      return cache.save({ key, paths: ["blob"], scope: "main" }, where);
    };
    expect((await saveBlob("old", 100)).evicted).toEqual([]);
    clock.advance(3 * day);
    expect((await saveBlob("a", 3000)).evicted).toEqual([]);
    clock.advance(1 * day);
    expect((await saveBlob("b", 3000)).evicted).toEqual([]);
    clock.advance(1 * day);
    // "a" is used again, so "b" is now the least recently used.
    expect(
      (
        await cache.restore(
          { key: "a", restoreKeys: [], paths: ["blob"], scopes: ["main"] },
          where,
        )
      ).status,
    ).toBe("exact");
    clock.advance(3 * day); // "old" was last used 8 days ago
    const result = await saveBlob("c", 6000);
    expect(result.outcome).toBe("saved");
    expect(result.evicted).toEqual(["old", "b"]);
    const left = await Promise.all(
      ["a", "b", "c", "old"].map(async (key) => [
        key,
        (
          await cache.restore(
            { key, restoreKeys: [], paths: ["blob"], scopes: ["main"] },
            where,
          )
        ).status,
      ]),
    );
    expect(Object.fromEntries(left)).toEqual({
      a: "exact",
      b: "miss",
      c: "exact",
      old: "miss",
    });
  });
});

describe("cache in a run", () => {
  it("misses and saves on the first run; on the second an exact hit restores, and skip-if-hit skips the step", async () => {
    const deps = testDeps();
    deps.cache = createLocalCache({
      dir: join(deps.home, "cache"),
      clock: deps.clock,
    });
    const repo = temp("sluice-repo-");
    writeFileSync(join(repo, "package-lock.json"), '{"lockfileVersion": 3}');
    const config = pipeline({
      build: {
        steps: [
          {
            name: "install",
            run: 'mkdir -p node_modules && echo installed > node_modules/marker && echo "ran install"',
            cache: {
              key: "npm-${{ hashFiles('package-lock.json') }}",
              "restore-keys": ["npm-"],
              paths: ["node_modules"],
              "skip-if-hit": true,
            },
          },
          { name: "build", run: "cat node_modules/marker" },
        ],
      },
    });
    const runOnce = async (runId: string, workdir: string) => {
      deps.recorder.events.length = 0;
      const result = await executeRun(plan(config, { event: "push" }), {
        runId,
        workdir,
        dispatcher: createLocalDispatcher(deps),
        recorder: deps.recorder,
        maxParallel: 2,
        signal: new AbortController().signal,
      });
      return { result, events: [...deps.recorder.events] };
    };
    const first = await runOnce("run_a", repo);
    expect(first.result.status).toBe("success");
    expect(first.events).toContain(
      "step build#0 success attempts 1 cache miss exit 0",
    );

    // A fresh checkout of the same commit: nothing installed, same lockfile.
    const clone = temp("sluice-clone-");
    writeFileSync(join(clone, "package-lock.json"), '{"lockfileVersion": 3}');
    const second = await runOnce("run_b", clone);
    expect(second.result.status).toBe("success");
    expect(second.events).toContain(
      "step build#0 skipped attempts 0 cache exact",
    );
    expect(second.events).toContain("step build#1 success attempts 1 exit 0");
    expect(readFileSync(join(clone, "node_modules", "marker"), "utf8")).toBe(
      "installed\n",
    );
    const log = readFileSync(
      second.result.jobs.build!.steps[0]!.logPath!,
      "utf8",
    );
    expect(log).toMatch(/cache exact: restored npm-[0-9a-f]{64}/);

    // The lockfile changed: the old entry is a partial hit by prefix, the step runs and saves.
    const changed = temp("sluice-changed-");
    writeFileSync(
      join(changed, "package-lock.json"),
      '{"lockfileVersion": 3, "x": 1}',
    );
    const third = await runOnce("run_c", changed);
    expect(third.events).toContain(
      "step build#0 success attempts 1 cache partial exit 0",
    );
  });
});

describe("a cache key over no files", () => {
  it("is never an exact hit: with no lockfile a new dependency is installed, not restored stale", async () => {
    const deps = testDeps();
    deps.cache = createLocalCache({
      dir: join(deps.home, "cache"),
      clock: deps.clock,
    });
    // "Installs" what package.json lists, as npm install would with no lockfile.
    const config = pipeline({
      build: {
        steps: [
          {
            name: "install",
            run: "mkdir -p node_modules && cp package.json node_modules/installed.json",
            cache: {
              key: "npm-${{ hashFiles('package-lock.json') }}",
              paths: ["node_modules"],
              "skip-if-hit": true,
            },
          },
        ],
      },
    });
    const runIn = async (runId: string, manifest: string) => {
      const workdir = temp("sluice-nolock-");
      writeFileSync(join(workdir, "package.json"), manifest);
      deps.recorder.events.length = 0;
      const result = await executeRun(plan(config, { event: "push" }), {
        runId,
        workdir,
        dispatcher: createLocalDispatcher(deps),
        recorder: deps.recorder,
        maxParallel: 1,
        signal: new AbortController().signal,
      });
      return {
        result,
        events: [...deps.recorder.events],
        installed: readFileSync(
          join(workdir, "node_modules", "installed.json"),
          "utf8",
        ),
      };
    };
    const first = await runIn("run_a", '{"dependencies":{"a":"1"}}');
    expect(first.result.status).toBe("success");
    expect(first.events).toContain(
      "step build#0 success attempts 1 cache miss exit 0",
    );

    // A dependency was added; there is still no lockfile, so the key is the same `npm-`.
    const second = await runIn("run_b", '{"dependencies":{"a":"1","b":"2"}}');
    expect(second.events).toContain(
      "step build#0 success attempts 1 cache partial exit 0",
    );
    expect(second.installed).toBe('{"dependencies":{"a":"1","b":"2"}}');
    const log = readFileSync(
      second.result.jobs.build!.steps[0]!.logPath!,
      "utf8",
    );
    expect(log).toContain("matched no file");

    // The entry was replaced by what the second run installed, not kept from the first.
    const third = await runIn("run_c", '{"dependencies":{"a":"1","b":"2"}}');
    expect(third.events).toContain(
      "step build#0 success attempts 1 cache partial exit 0",
    );
    const restored = temp("sluice-restored-");
    expect(
      await deps.cache.restore(
        {
          key: "npm-",
          restoreKeys: [],
          paths: ["node_modules"],
          scopes: ["main"],
          unhashed: true,
        },
        { workdir: restored, env: {} },
      ),
    ).toEqual({ status: "partial", matchedKey: "npm-" });
    expect(
      readFileSync(join(restored, "node_modules", "installed.json"), "utf8"),
    ).toBe('{"dependencies":{"a":"1","b":"2"}}');
  });
});
