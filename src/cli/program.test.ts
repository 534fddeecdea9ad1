import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { commandSummaries } from "./command-summaries.js";
import { createCliContext } from "./context.js";
import { buildProgram } from "./program.js";

describe("buildProgram: a command loads only its own group", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-program-"));
  const ctx = createCliContext({ SLUICE_HOME: home });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const names = async (argv: string[]) =>
    (await buildProgram(ctx, argv)).commands.map((c) => c.name());

  it("every group's name is a command of that group, and the full program has them all", async () => {
    const all = await names(["node", "sluice"]);
    const firsts: string[] = [];
    for (const name of all) {
      const only = await names(["node", "sluice", name]);
      // A word that names no group (a group's second command) loads every group.
      if (only.length === all.length) continue;
      expect(only).toContain(name);
      for (const c of only) expect(all).toContain(c);
      firsts.push(name);
    }
    expect(firsts).toContain("scan");
    expect(firsts.length).toBeGreaterThanOrEqual(20);
  });

  it("sluice scan secrets registers the scan group only; an unknown word or an option registers all", async () => {
    expect(await names(["node", "sluice", "scan", "secrets"])).toEqual([
      "scan",
    ]);
    const all = await names(["node", "sluice"]);
    expect(await names(["node", "sluice", "--debug", "scan"])).toEqual(all);
    expect(await names(["node", "sluice", "scna"])).toEqual(all);
    expect(all).toEqual(expect.arrayContaining(["reject", "approvals"]));
  });

  it("sluice --help lists every command from its summary, as the loaded groups print it", async () => {
    // `help` names no group: every group is loaded and registers its commands.
    const loaded = await buildProgram(ctx, ["node", "sluice", "help"]);
    for (const argv of [[], ["--help"], ["-h"], ["--version"]]) {
      const listed = await buildProgram(ctx, ["node", "sluice", ...argv]);
      expect(listed.helpInformation()).toEqual(loaded.helpInformation());
    }
    expect(loaded.commands.map((c) => c.name())).toEqual([
      ...commandSummaries.map((c) => c.name),
    ]);
  });
});
