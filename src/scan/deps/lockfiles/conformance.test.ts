import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../../kernel/index.js";
import type { LockfileParser } from "../types.js";
import {
  parseCargoLock,
  parseComposerLock,
  parseGemfileLock,
  parseGoMod,
  parsePackageLock,
  parsePipfileLock,
  parsePnpmLock,
  parsePoetryLock,
  parseTomlPackages,
  parseYarnLock,
} from "./index.js";

const dir = fileURLToPath(
  new URL("../../../../../shared/conformance/lockfiles/", import.meta.url),
);

/** The osv-scalibr extractor folder of each format sluice reads. */
const parsers: Record<string, LockfileParser> = {
  "javascript/packagelockjson": parsePackageLock,
  "javascript/yarnlock": parseYarnLock,
  "javascript/pnpmlock": parsePnpmLock,
  "python/poetrylock": parsePoetryLock,
  "python/pipfilelock": parsePipfileLock,
  "python/uvlock": parseTomlPackages,
  "python/pdmlock": parseTomlPackages,
  "python/pylock": parseTomlPackages,
  "golang/gomod": parseGoMod,
  "rust/cargolock": parseCargoLock,
  "ruby/gemfilelock": parseGemfileLock,
  "php/composerlock": parseComposerLock,
};

/**
 * Cases we do not match, with the reason. Keyed `fixture#test`.
 */
const known: Record<string, string> = {
  "javascript/packagelockjson/testdata/both/package-lock.json#valid package-lock.json and npm-shrinkwrap.json and extract package-lock.json":
    "a folder-level rule (npm-shrinkwrap.json wins over package-lock.json): lockfile discovery skips it, the parser reads it",
};

interface Case {
  test: string;
  wantErr: boolean;
  packages: { name: string; version: string }[];
}

function loadCases(): [string, string, LockfileParser, Case][] {
  if (!existsSync(dir)) return [];
  const expected = JSON.parse(
    readFileSync(join(dir, "expected-from-go-tests.json"), "utf8"),
  ) as {
    fixtures: Record<string, Case[]>;
  };
  const rows: [string, string, LockfileParser, Case][] = [];
  for (const [fixture, cases] of Object.entries(expected.fixtures)) {
    const format = Object.keys(parsers).find((f) =>
      fixture.includes(`/language/${f}/`),
    );
    if (!format) continue;
    const seen = new Set<string>();
    for (const c of cases) {
      // Several Go tests may state the same case; one row per distinct package set.
      const key = `${c.wantErr}:${JSON.stringify(c.packages.map((p) => `${p.name}@${p.version}`).sort())}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push([fixture.split("/language/")[1]!, c.test, parsers[format]!, c]);
    }
  }
  return rows;
}

const rows = loadCases();

describe.skipIf(!existsSync(dir))(
  "lockfile parsers against the osv-scalibr fixtures",
  () => {
    it("covers every supported format", () => {
      expect(rows.length).toBeGreaterThan(150);
    });

    it.each(rows)("%s (%s)", (fixture, test, parse, c) => {
      const path = join(
        dir,
        "osv-scalibr/extractor/filesystem/language",
        fixture,
      );
      const reason = known[`${fixture}#${test}`];
      const text = readFileSync(path, "utf8");
      const input = {
        path: fixture,
        text,
        readRelative: (rel: string) => {
          const full = join(dirname(path), rel);
          return existsSync(full) ? readFileSync(full, "utf8") : undefined;
        },
      };
      if (c.wantErr) {
        let error: unknown;
        try {
          parse(input);
        } catch (e) {
          error = e;
        }
        expect(
          isAppError(error),
          reason ?? "a malformed lockfile is an AppError",
        ).toBe(true);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^${fixture.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: `,
          ),
        );
        return;
      }
      const got = new Set(parse(input).map((p) => `${p.name}@${p.version}`));
      const want = new Set(c.packages.map((p) => `${p.name}@${p.version}`));
      if (reason) {
        expect(got, reason).not.toEqual(want);
        return;
      }
      expect([...got].sort()).toEqual([...want].sort());
    });
  },
);

describe.skipIf(!existsSync(dir))(
  "line numbers and commits the Go tests state",
  () => {
    it("agree for nearly every package, and the counts are printed", () => {
      const counts = { lines: 0, linesOk: 0, commits: 0, commitsOk: 0 };
      for (const [fixture, , parse, c] of rows) {
        if (c.wantErr) continue;
        const path = join(
          dir,
          "osv-scalibr/extractor/filesystem/language",
          fixture,
        );
        const got = parse({
          path: fixture,
          text: readFileSync(path, "utf8"),
          readRelative: (rel: string) => {
            const full = join(dirname(path), rel);
            return existsSync(full) ? readFileSync(full, "utf8") : undefined;
          },
        });
        for (const want of c.packages as {
          name: string;
          version: string;
          line?: number;
          commit?: string;
        }[]) {
          const same = got.filter(
            (p) => p.name === want.name && p.version === want.version,
          );
          if (want.line !== undefined) {
            counts.lines++;
            if (same.some((p) => p.line === want.line)) counts.linesOk++;
          }
          if (want.commit !== undefined) {
            counts.commits++;
            if (
              got.some((p) => p.name === want.name && p.commit === want.commit)
            )
              counts.commitsOk++;
          }
        }
      }
      console.log(
        `lockfile conformance: lines ${counts.linesOk}/${counts.lines}, commits ${counts.commitsOk}/${counts.commits}`,
      );
      expect(counts.linesOk / counts.lines).toBeGreaterThan(0.95);
      expect(counts.commitsOk / counts.commits).toBeGreaterThan(0.9);
    });
  },
);
