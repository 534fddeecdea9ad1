import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, sluice } from "./cli.js";

// Issue 11: a flag's percentage split was called a "rollout", the word DESIGN.md keeps for the
// steps of a progressive deployment. The command is `flags split`; `flags rollout` still works
// for scripts, hidden from help, and says the new name.
describe("sluice flags split (a flag's percentage split) from the built CLI", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-flags-split-"));
  const env = { SLUICE_HOME: join(root, "home"), SLUICE_ACTOR: "e2e" };
  const scope = ["--project", "shop", "--env", "production"];

  beforeAll(() => {
    assertBuilt();
    writeFileSync(
      join(root, "flags.json"),
      JSON.stringify({
        flags: {
          checkout: {
            state: "ENABLED",
            variants: { on: true, off: false },
            defaultVariant: "off",
          },
        },
      }),
    );
    const imported = sluice(root, env, [
      "flags",
      "import",
      join(root, "flags.json"),
      ...scope,
    ]);
    expect(imported.code).toBe(0);
  });
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(env.SLUICE_HOME);
    rmSync(root, { recursive: true, force: true });
  });

  const targeting = () => {
    const got = sluice(root, env, ["flags", "get", "checkout", ...scope]);
    expect(got.code).toBe(0);
    return (JSON.parse(got.stdout) as { targeting?: unknown }).targeting;
  };

  it("lists `split` in the help and not `rollout`", () => {
    const help = sluice(root, env, ["flags", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^ {2}split \[options\] <key> \[percent\] +serve a flag's variant to a/m,
    );
    expect(help.stdout).not.toMatch(/^ {2}rollout/m);
  });

  it("splits a flag 25/75 with flagd's fractional operator", () => {
    const split = sluice(root, env, [
      "flags",
      "split",
      "checkout",
      "25%",
      ...scope,
    ]);
    expect(split.stderr).toBe("");
    expect(split.code).toBe(0);
    expect(split.stdout).toBe(
      "flag checkout: percentage split set (flag set version 2)\n",
    );
    expect(targeting()).toEqual({
      fractional: [
        ["on", 2500],
        ["off", 7500],
      ],
    });
  });

  it("refuses a share above 100% in the split's words, with one line and exit 2", () => {
    const bad = sluice(root, env, [
      "flags",
      "split",
      "checkout",
      "120%",
      ...scope,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe(
      'sluice: a split percentage is 0% to 100%, got "120%"\n',
    );
  });

  it("still runs `flags rollout` for scripts, saying the new name on stderr", () => {
    const old = sluice(root, env, [
      "flags",
      "rollout",
      "checkout",
      "50",
      ...scope,
    ]);
    expect(old.code).toBe(0);
    expect(old.stderr).toBe(
      "sluice: `flags rollout` is now `flags split` (a rollout is a deployment's steps)\n",
    );
    expect(old.stdout).toBe(
      "flag checkout: percentage split set (flag set version 3)\n",
    );
    expect(targeting()).toEqual({
      fractional: [
        ["on", 5000],
        ["off", 5000],
      ],
    });
  });
});
