import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/index.js";
import type { Anchor } from "./composite.js";
import { codePoints, withinProximity } from "./composite.js";
import { loadConfigFile, parseConfig } from "./config.js";
import { Detector } from "./detect.js";
import type { RequiredSpec, RuleSpec } from "./rule.js";
import { compileRuleSet } from "./rule.js";
import { scanSecrets } from "./scan.js";

const fixture = fileURLToPath(
  new URL(
    "../../../../shared/conformance/gitleaks/testdata/config/composite.toml",
    import.meta.url,
  ),
);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "sluice-composite-"));
  dirs.push(d);
  return d;
};

/** A primary `pw = "…"` rule requiring a `user = "…"` rule (skipReport) with `required`. */
const rules = (required: Omit<RequiredSpec, "id">): RuleSpec[] => [
  {
    id: "primary",
    description: "primary",
    regex: String.raw`pw = "([a-z0-9]+)"`,
    keywords: ["pw"],
    required: [{ id: "user", ...required }],
  },
  {
    id: "user",
    description: "user",
    regex: String.raw`user = "([^"]+)"`,
    keywords: ["user"],
    skipReport: true,
  },
];

const found = (specs: RuleSpec[], text: string) =>
  new Detector(compileRuleSet(specs))
    .detect({ path: "a.txt", data: Buffer.from(text) })
    .matches.map((m) => `${m.ruleId}@${m.line}:${m.column}`);

describe("withinProximity (gitleaks semantics)", () => {
  const at = (line: number, column: number): Anchor => ({ line, column });
  it.each([
    ["no constraint, far apart", {}, at(1, 1), at(900, 70), true],
    ["withinLines: at the bound", { withinLines: 2 }, at(5, 1), at(3, 9), true],
    ["withinLines: one past", { withinLines: 2 }, at(5, 1), at(2, 1), false],
    [
      "withinLines: 0, same line",
      { withinLines: 0 },
      at(4, 1),
      at(4, 60),
      true,
    ],
    ["withinLines: below", { withinLines: 1 }, at(4, 1), at(5, 1), true],
    [
      "withinColumns: at the bound",
      { withinColumns: 5 },
      at(1, 5),
      at(1, 10),
      true,
    ],
    [
      "withinColumns: one past",
      { withinColumns: 5 },
      at(1, 5),
      at(1, 11),
      false,
    ],
    ["withinColumns: before", { withinColumns: 5 }, at(1, 10), at(1, 5), true],
    [
      "withinColumns: other line, close column",
      { withinColumns: 5 },
      at(1, 5),
      at(300, 6),
      false,
    ],
    [
      "both: other line",
      { withinLines: 3, withinColumns: 50 },
      at(1, 5),
      at(2, 5),
      false,
    ],
    [
      "both: same line within",
      { withinLines: 3, withinColumns: 50 },
      at(2, 5),
      at(2, 40),
      true,
    ],
  ] as const)("%s", (_, spec, primary, required, want) => {
    expect(withinProximity(primary, required, { id: "x", ...spec })).toBe(want);
  });

  it("counts code points, a surrogate pair once", () => {
    expect(codePoints("abc")).toBe(3);
    expect(codePoints("é😀x")).toBe(3);
  });
});

describe("composite rules in the detector", () => {
  it.each([
    // withinLines counts between the matches' start lines.
    [{ withinLines: 2 }, 'user = "bob"\n\npw = "abc123"\n', ["primary@3:7"]],
    [{ withinLines: 2 }, 'user = "bob"\n\n\npw = "abc123"\n', []],
    [{ withinLines: 2 }, 'pw = "abc123"\n\nuser = "bob"\n', ["primary@1:7"]],
    [{ withinLines: 0 }, 'x user = "bob" pw = "abc123"\n', ["primary@1:22"]],
    // withinColumns compares the starts of the matches (not of the secrets) on one line, in
    // code points: `pw = ` at column 15 and `user = ` at 1 are 14 apart.
    [{ withinColumns: 14 }, 'user = "bob", pw = "abc123"\n', ["primary@1:21"]],
    [{ withinColumns: 13 }, 'user = "bob", pw = "abc123"\n', []],
    // ø is two bytes, 😀 four bytes and two UTF-16 units: one code point each.
    [{ withinColumns: 14 }, 'user = "bøb", pw = "abc123"\n', ["primary@1:21"]],
    [{ withinColumns: 13 }, 'user = "b😀", pw = "abc123"\n', ["primary@1:21"]],
    [{ withinColumns: 12 }, 'user = "b😀", pw = "abc123"\n', []],
    // Columns on different lines are never near, even when the numbers are.
    [{ withinColumns: 40 }, 'user = "bob"\npw = "abc123"\n', []],
    // No constraint: anywhere in the fragment, before or after.
    [
      {},
      'pw = "abc123"\n' + "filler\n".repeat(500) + 'user = "bob"\n',
      ["primary@1:7"],
    ],
    [{}, 'pw = "abc123"\n', []],
  ] as const)("%j, case %#", (required, text, want) => {
    expect(found(rules(required), text)).toEqual(want);
  });

  it("keeps each primary finding that has a component near it, and lists those components", () => {
    const text = 'user = "ann"\npw = "one111"\n\n\n\npw = "two222"\n';
    const r = new Detector(compileRuleSet(rules({ withinLines: 1 }))).detect({
      path: "a.txt",
      data: Buffer.from(text),
    });
    expect(r.matches).toEqual([
      expect.objectContaining({
        ruleId: "primary",
        secret: "one111",
        required: [
          {
            ruleId: "user",
            line: 1,
            column: 9,
            endLine: 1,
            endColumn: 12,
            secret: "ann",
          },
        ],
      }),
    ]);
  });

  it("finds a component without its keywords, as gitleaks runs it directly", () => {
    const specs = rules({});
    specs[1] = { ...specs[1]!, keywords: ["nowhere-in-the-file"] };
    expect(found(specs, 'user = "bob"\npw = "abc123"\n')).toEqual([
      "primary@2:7",
    ]);
  });

  it("applies the component's allowlists and entropy", () => {
    const specs = rules({});
    specs[1] = {
      ...specs[1]!,
      allowlists: [{ regexes: ["^bob$"] }],
    };
    expect(found(specs, 'user = "bob"\npw = "abc123"\n')).toEqual([]);
    expect(found(specs, 'user = "eve"\npw = "abc123"\n')).toEqual([
      "primary@2:7",
    ]);
  });

  it("reports a component that is not skipReport on its own too; skipReport never", () => {
    const specs = rules({});
    expect(found(specs, 'user = "bob"\n')).toEqual([]);
    specs[1] = { ...specs[1]!, skipReport: false };
    expect(found(specs, 'user = "bob"\npw = "abc123"\n').sort()).toEqual([
      "primary@2:7",
      "user@1:9",
    ]);
  });

  it("needs every required rule", () => {
    const specs: RuleSpec[] = [
      ...rules({}),
      {
        id: "host",
        description: "host",
        regex: String.raw`host = "([a-z.]+)"`,
        skipReport: true,
      },
    ];
    specs[0] = {
      ...specs[0]!,
      required: [{ id: "user" }, { id: "host", withinLines: 1 }],
    };
    expect(found(specs, 'user = "bob"\n\n\npw = "abc123"\n')).toEqual([]);
    expect(
      found(specs, 'user = "bob"\n\n\npw = "abc123"\nhost = "db.example"\n'),
    ).toEqual(["primary@4:7"]);
  });

  it("reports a rule whose required id names no rule, by id, and runs the others", () => {
    const config = parseConfig(
      `[[rules]]\nid = "lonely"\nregex = '''pw = "([a-z0-9]+)"'''\n[[rules.required]]\nid = "ghost"\n[[rules]]\nid = "token"\nregex = '''tok_[a-z0-9]{8}'''\n[[rules]]\nid = "chained"\nregex = '''key = "([a-z0-9]+)"'''\n[[rules.required]]\nid = "lonely"\n`,
      "inline.toml",
    );
    const set = compileRuleSet(config.rules, config.allowlists);
    expect(set.problems).toEqual([
      {
        ruleId: "lonely",
        message: "[[rules.required]] names rule ghost, which does not exist",
      },
      {
        ruleId: "chained",
        message:
          "[[rules.required]] names rule lonely, which does not exist (it was skipped)",
      },
    ]);
    const r = new Detector(set).detect({
      path: "a.txt",
      data: Buffer.from('pw = "abc" tok_abcd1234 key = "k"\n'),
    });
    expect(r.matches.map((m) => m.ruleId)).toEqual(["token"]);
  });

  it("keeps a base rule's skipReport and required when a file extends it, as gitleaks' extend does", () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "base.toml"),
      `[[rules]]\nid = "p"\nregex = 'p=(\\w+)'\n[[rules.required]]\nid = "q"\n[[rules]]\nid = "q"\nregex = 'q=(\\w+)'\nskipReport = true\n`,
    );
    const config = parseConfig(
      `[extend]\npath = "base.toml"\n[[rules]]\nid = "p"\nkeywords = ["p="]\n[[rules.required]]\nid = "other"\n[[rules]]\nid = "q"\nskipReport = false\n`,
      join(dir, "top.toml"),
    );
    expect(config.rules).toEqual([
      expect.objectContaining({
        id: "p",
        keywords: ["p="],
        required: [{ id: "q" }],
      }),
      expect.objectContaining({ id: "q", skipReport: true }),
    ]);
    const set = compileRuleSet(config.rules, config.allowlists);
    expect(set.problems).toEqual([]);
    const ids = (text: string) =>
      new Detector(set)
        .detect({ path: "a.txt", data: Buffer.from(text) })
        .matches.map((m) => m.ruleId);
    expect(ids("q=abc p=def\n")).toEqual(["p"]);
    expect(ids("p=def\n")).toEqual([]);
  });

  it("reads [[rules.required]] and skipReport, and refuses malformed ones", () => {
    const config = parseConfig(
      `[[rules]]\nid = "p"\nregex = 'p'\n[[rules.required]]\nid = "q"\nwithinLines = 3\nwithinColumns = 0\n[[rules]]\nid = "q"\nregex = 'q'\nskipReport = true\n`,
      "inline.toml",
    );
    expect(config.rules).toEqual([
      expect.objectContaining({
        id: "p",
        required: [{ id: "q", withinLines: 3, withinColumns: 0 }],
      }),
      expect.objectContaining({ id: "q", skipReport: true }),
    ]);
    for (const bad of [
      `withinLines = -1`,
      `withinColumns = 1.5`,
      `withinLines = "2"`,
    ])
      expect(() =>
        parseConfig(
          `[[rules]]\nid = "p"\nregex = 'p'\n[[rules.required]]\nid = "q"\n${bad}\n[[rules]]\nid = "q"\nregex = 'q'\n`,
          "inline.toml",
        ),
      ).toThrow(/rule p\.required\[0\]: with/);
    expect(() =>
      parseConfig(
        `[[rules]]\nid = "p"\nregex = 'p'\nskipReport = "yes"\n`,
        "inline.toml",
      ),
    ).toThrow(/skipReport must be true or false/);
    expect(() =>
      parseConfig(
        `[[rules]]\nid = "p"\nregex = 'p'\n[[rules.required]]\nwithinLines = 1\n`,
        "inline.toml",
      ),
    ).toThrow(/required\[0\] has no id/);
  });
});

describe.skipIf(!existsSync(fixture))(
  "gitleaks testdata/config/composite.toml (absent: ../shared/conformance not checked out)",
  () => {
    const write = (d: string) => {
      writeFileSync(
        join(d, "a.txt"),
        'username = "admin"\npassword = "hunter2xyz"\n',
      );
      writeFileSync(join(d, "b.txt"), 'password = "alone123"\n');
    };
    const summary = (r: Awaited<ReturnType<typeof scanSecrets>>) =>
      r.findings.map((f) => ({
        ruleId: f.ruleId,
        path: f.location.path,
        line: f.location.startLine,
        required: f.properties?.requiredFindings,
      }));
    const expected = [
      {
        ruleId: "primary-rule",
        path: "a.txt",
        line: 2,
        required: [
          {
            ruleId: "username-rule",
            startLine: 1,
            startColumn: 13,
            endLine: 1,
            endColumn: 18,
            redacted: "a…",
          },
        ],
      },
    ];

    it("tree mode (worker threads) and stdin (this thread): only the primary finding where the username is", async () => {
      const d = tmp();
      write(d);
      const config = loadConfigFile(fixture);
      const tree = await scanSecrets({
        target: { kind: "tree", path: d },
        config,
        clock: systemClock,
        workers: 1,
      });
      expect(tree.problems).toEqual([]);
      expect(summary(tree)).toEqual(expected);
      // The redacted component never carries the whole secret.
      expect(JSON.stringify(tree.findings)).not.toContain("admin");
      const stdin = await scanSecrets({
        target: {
          kind: "stdin",
          path: d,
          name: "a.txt",
          data: Buffer.from('username = "admin"\npassword = "hunter2xyz"\n'),
        },
        config,
        clock: systemClock,
      });
      expect(summary(stdin)).toEqual(expected);
      const alone = await scanSecrets({
        target: {
          kind: "stdin",
          path: d,
          name: "b.txt",
          data: Buffer.from('password = "alone123"\n'),
        },
        config,
        clock: systemClock,
      });
      expect(alone.findings).toEqual([]);
    });

    it("history and staged modes: the fragment is one commit's (or the index's) added lines of a file", async () => {
      const d = tmp();
      const git = (...args: string[]) =>
        execFileSync(
          "git",
          [
            "-c",
            "user.name=Ada",
            "-c",
            "user.email=ada@example.com",
            "-c",
            "commit.gpgsign=false",
            ...args,
          ],
          { cwd: d, encoding: "utf8" },
        );
      git("init", "-q", "-b", "main");
      write(d);
      git("add", ".");
      git("commit", "-q", "-m", "one");
      const config = loadConfigFile(fixture);
      const history = await scanSecrets({
        target: { kind: "history", path: d, revs: ["--all"] },
        config,
        clock: systemClock,
        workers: 1,
      });
      expect(summary(history)).toEqual(expected);
      // The username arrives in a later commit than the password: not the same fragment.
      writeFileSync(join(d, "c.txt"), 'password = "later999"\n');
      git("add", "c.txt");
      git("commit", "-q", "-m", "two");
      writeFileSync(
        join(d, "c.txt"),
        'password = "later999"\nusername = "root"\n',
      );
      git("add", "c.txt");
      git("commit", "-q", "-m", "three");
      const again = await scanSecrets({
        target: { kind: "history", path: d, revs: ["--all"] },
        config,
        clock: systemClock,
        workers: 1,
      });
      expect(summary(again)).toEqual(expected);
      // Staged: the index's added lines of c.txt hold both parts.
      writeFileSync(
        join(d, "c.txt"),
        'password = "staged77"\nusername = "toor"\n',
      );
      git("add", "c.txt");
      const staged = await scanSecrets({
        target: { kind: "staged", path: d },
        config,
        clock: systemClock,
      });
      expect(summary(staged)).toEqual([
        {
          ruleId: "primary-rule",
          path: "c.txt",
          line: 1,
          required: [
            expect.objectContaining({ ruleId: "username-rule", startLine: 2 }),
          ],
        },
      ]);
    });
  },
);
