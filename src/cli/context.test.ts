import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveProject } from "./context.js";

describe("resolveProject: one rule for every command", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-project-"));
  const plain = join(root, "plain-folder");
  const named = join(root, "named-folder");
  const unnamed = join(root, "unnamed-folder");
  const repo = join(root, "repo-top");
  const sub = join(repo, "services", "api");
  const namedRepo = join(root, "named-repo");
  const namedSub = join(namedRepo, "web");
  for (const dir of [plain, named, unnamed, sub, namedSub])
    mkdirSync(dir, { recursive: true });
  writeFileSync(join(named, "sluice.yml"), "name: shop # the shop\njobs: {}\n");
  writeFileSync(join(unnamed, "sluice.yml"), "jobs: {}\n");
  writeFileSync(join(namedRepo, "sluice.yml"), "name: 'storefront'\n");
  for (const dir of [repo, namedRepo]) execFileSync("git", ["init", "-q", dir]);

  it.each([
    ["--project wins", named, "other", "other", true],
    ["sluice.yml's name", named, undefined, "shop", true],
    [
      "the folder of a sluice.yml without a name",
      unnamed,
      undefined,
      "unnamed-folder",
      true,
    ],
    [
      "the repository's top folder, from a subfolder",
      sub,
      undefined,
      "repo-top",
      true,
    ],
    [
      "the top sluice.yml's name, from a subfolder",
      namedSub,
      undefined,
      "storefront",
      true,
    ],
    [
      "the folder's name outside any project",
      plain,
      undefined,
      "plain-folder",
      false,
    ],
  ])("%s", (_, dir, option, name, inProject) => {
    expect(resolveProject(dir, option)).toMatchObject({ name, inProject });
  });
});
