import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfigFile, parseConfig } from "./config.js";
import { Detector } from "./detect.js";
import { compileRuleSet } from "./rule.js";

const gitleaks = fileURLToPath(
  new URL("../../../../shared/conformance/gitleaks/", import.meta.url),
);
const configs = join(gitleaks, "testdata/config");
// gitleaks' test configs name their [extend] paths relative to its cmd/ folder.
const baseDir = join(gitleaks, "cmd");

describe("parseConfig", () => {
  it("extends the defaults, overrides a rule by id and disables rules", () => {
    const config = parseConfig(
      `[extend]\nuseDefault = true\ndisabledRules = ["generic-api-key"]\n[[rules]]\nid = "github-pat"\nkeywords = ["extra"]\n[[rules]]\nid = "mine"\nregex = '''(?i)mine_[a-z]{4}'''\n`,
      "inline.toml",
    );
    const ids = config.rules.map((r) => r.id);
    expect(ids).toContain("mine");
    expect(ids).not.toContain("generic-api-key");
    expect(config.rules.find((r) => r.id === "github-pat")?.keywords).toEqual([
      "ghp_",
      "extra",
    ]);
  });

  it("drops a built-in rule's hit check when a file overrides its regex, keeps it for an allowlist", () => {
    const detect = (toml: string) => {
      const config = parseConfig(
        `[extend]\nuseDefault = true\n[[rules]]\nid = "generic-api-key"\n${toml}`,
        "inline.toml",
      );
      const rule = config.rules.find((r) => r.id === "generic-api-key")!;
      const found = new Detector(
        compileRuleSet(config.rules, config.allowlists),
      )
        .detect({
          path: "a.txt",
          data: Buffer.from("call key(q7x9z2w4v8k3m5n1) now\n"),
        })
        .matches.map((m) => m.ruleId);
      return { check: rule.hitCheck, found };
    };
    // The built-in check wants an operator after the name: this regex has none.
    const overridden = detect("regex = '''key\\(([a-z0-9]{16})\\)'''\n");
    expect(overridden.check).toBeUndefined();
    expect(overridden.found).toContain("generic-api-key");
    const allowlisted = detect(
      "[[rules.allowlists]]\nregexes = ['''^never$''']\n",
    );
    expect(allowlisted.check).toBe("assigned-value");
  });

  it("reports a rule that cannot compile by id and keeps the others", () => {
    const config = parseConfig(
      `[[rules]]\nid = "bad"\nregex = '''\\p{Greek}+'''\n[[rules]]\nid = "good"\nregex = '''good_[0-9]+'''\n`,
      "inline.toml",
    );
    const set = compileRuleSet(config.rules, config.allowlists);
    expect(set.problems).toEqual([
      { ruleId: "bad", message: expect.stringMatching(/Unicode classes/) },
    ]);
    const r = new Detector(set).detect({
      path: "a",
      data: Buffer.from("good_42"),
    });
    expect(r.matches.map((m) => m.ruleId)).toEqual(["good"]);
  });

  it.each([
    ["not = [valid", /not valid TOML/],
    ["[[rules]]\ndescription = 'x'\nregex = 'a'", /has no id/],
    ["[[rules]]\nid = 'x'", /neither regex nor path/],
  ])("rejects %j", (text, message) => {
    expect(() => parseConfig(text, "bad.toml")).toThrow(message);
  });
});

describe.skipIf(!existsSync(configs))("gitleaks test configs", () => {
  // extend_base_1/2 are bases of extend.toml: on their own their chain reaches a file that
  // gitleaks' test data leaves out on purpose (beyond the two-level limit from extend.toml).
  const bases = new Set(["extend_base_1.toml", "extend_base_2.toml"]);
  const valid = existsSync(configs)
    ? readdirSync(join(configs, "valid")).filter((n) => !bases.has(n))
    : [];
  const invalid = existsSync(configs)
    ? readdirSync(join(configs, "invalid"))
    : [];

  it.each(valid)("valid/%s loads and compiles", (name) => {
    const config = loadConfigFile(join(configs, "valid", name), { baseDir });
    const set = compileRuleSet(config.rules, config.allowlists);
    // A new rule without regex in an extending file is skipped and reported, as gitleaks does.
    const expected =
      name === "extend_rule_new.toml" ? ["aws-rule-that-is-not-in-base"] : [];
    expect(set.problems.map((p) => p.ruleId)).toEqual(expected);
  });

  it.each(invalid)("invalid/%s is refused with CONFIG_INVALID", (name) => {
    expect(() =>
      loadConfigFile(join(configs, "invalid", name), { baseDir }),
    ).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });

  it.each(["simple.toml", "generic.toml", "encoded.toml"])(
    "%s loads",
    (name) => {
      const config = loadConfigFile(join(configs, name), { baseDir });
      expect(compileRuleSet(config.rules, config.allowlists).problems).toEqual(
        [],
      );
    },
  );
});
