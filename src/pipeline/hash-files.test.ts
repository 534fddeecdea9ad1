import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashFiles, matchFiles } from "./hash-files.js";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "sluice-hash-"));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

describe("hashFiles", () => {
  const root = tree({
    "package-lock.json": "{}",
    "a/package-lock.json": '{"a":1}',
    "node_modules/x/package-lock.json": "ignored",
    ".git/config": "ignored",
    "src/index.ts": "x",
  });

  it("matches literal paths, globs and exclusions, skipping .git and node_modules", () => {
    expect(matchFiles(root, ["**/package-lock.json"])).toEqual([
      "a/package-lock.json",
      "package-lock.json",
    ]);
    expect(matchFiles(root, ["**/package-lock.json", "!a/**"])).toEqual([
      "package-lock.json",
    ]);
    expect(matchFiles(root, ["node_modules/**/package-lock.json"])).toEqual([
      "node_modules/x/package-lock.json",
    ]);
    expect(matchFiles(root, ["./package-lock.json", "missing.txt"])).toEqual([
      "package-lock.json",
    ]);
  });

  it("is stable, changes with content and with paths, and is empty when nothing matches", () => {
    const h1 = hashFiles(root, ["**/package-lock.json"]);
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
    expect(hashFiles(root, ["**/package-lock.json"])).toBe(h1);
    const other = tree({
      "package-lock.json": "{}",
      "a/package-lock.json": '{"a":2}',
    });
    expect(hashFiles(other, ["**/package-lock.json"])).not.toBe(h1);
    const moved = tree({
      "package-lock.json": "{}",
      "b/package-lock.json": '{"a":1}',
    });
    expect(hashFiles(moved, ["**/package-lock.json"])).not.toBe(h1);
    expect(hashFiles(root, ["nothing/**"])).toBe("");
  });
});
