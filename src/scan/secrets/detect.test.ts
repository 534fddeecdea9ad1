import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { SecretMatch } from "./detect.js";
import { Detector } from "./detect.js";
import type { RuleSpec } from "./rule.js";
import { compileRuleSet, shannonEntropy } from "./rule.js";
import { defaultAllowlists, defaultRules } from "./rules/index.js";

const detectIn = (rules: RuleSpec[], text: string, path = "a.txt") =>
  new Detector(compileRuleSet(rules)).detect({ path, data: Buffer.from(text) });

const token: RuleSpec = {
  id: "tok",
  description: "test token",
  regex: String.raw`\b(tok_[a-z0-9]{8})\b`,
  keywords: ["tok_"],
};

describe("Detector", () => {
  it("reports the secret group with its line and columns", () => {
    const r = detectIn([token], "one\nkey = tok_abcd1234 here\n");
    expect(r.matches).toEqual([
      expect.objectContaining({
        ruleId: "tok",
        secret: "tok_abcd1234",
        line: 2,
        column: 7,
        endLine: 2,
        endColumn: 19,
      }),
    ]);
  });

  it("runs a rule only near its keyword (case-insensitively): a match starts at most 64 bytes before it", () => {
    const rule = {
      ...token,
      regex: String.raw`\b([a-z]{3}_[a-z0-9]{8})\b`,
      keywords: ["tok_"],
    };
    expect(detectIn([rule], "abc_abcd1234").matches).toHaveLength(0);
    expect(detectIn([rule], "abc_abcd1234 TOK_").matches).toHaveLength(1);
    expect(detectIn([rule], "tok_ and then abc_abcd1234").matches).toHaveLength(
      0,
    );
    expect(
      detectIn([rule], `abc_abcd1234${" ".repeat(100)}tok_`).matches,
    ).toHaveLength(0);
  });

  it.each([
    ["tok_abcd1234 // sluice:allow", 0],
    ["tok_abcd1234 # gitleaks:allow", 0],
    ["tok_abcd1234", 1],
  ])("inline allow marker: %s", (line, n) => {
    expect(detectIn([token], line).matches).toHaveLength(n);
  });

  it("places allowed values (for masking in report frames) only in a fragment with findings", () => {
    // Alone, an allowed value is never printed: it is not placed (no line table, no columns).
    expect(
      detectIn([token], "tok_abcd1234 // sluice:allow\n").allowed,
    ).toBeUndefined();
    const r = detectIn(
      [token],
      "tok_abcd1234 // sluice:allow\nx\nkey = tok_efgh5678\n",
    );
    expect(r.matches.map((m) => m.secret)).toEqual(["tok_efgh5678"]);
    expect(r.allowed).toEqual([
      expect.objectContaining({
        ruleId: "tok",
        secret: "tok_abcd1234",
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 13,
      }),
    ]);
  });

  it("applies entropy, rule allowlists (secret, match, line targets, stopwords) and AND conditions", () => {
    expect(
      detectIn([{ ...token, entropy: 3.5 }], "tok_aaaaaaaa").matches,
    ).toHaveLength(0);
    expect(
      detectIn(
        [{ ...token, allowlists: [{ regexes: ["1234$"] }] }],
        "tok_abcd1234",
      ).matches,
    ).toHaveLength(0);
    expect(
      detectIn(
        [
          {
            ...token,
            allowlists: [{ regexTarget: "line", regexes: ["^key"] }],
          },
        ],
        "key tok_abcd1234",
      ).matches,
    ).toHaveLength(0);
    expect(
      detectIn(
        [
          {
            ...token,
            allowlists: [{ regexTarget: "match", regexes: ["^tok"] }],
          },
        ],
        "tok_abcd1234",
      ).matches,
    ).toHaveLength(0);
    expect(
      detectIn(
        [{ ...token, allowlists: [{ stopwords: ["ABCD"] }] }],
        "tok_abcd1234",
      ).matches,
    ).toHaveLength(0);
    const and: RuleSpec = {
      ...token,
      allowlists: [{ condition: "AND", paths: ["\\.md$"], regexes: ["1234$"] }],
    };
    expect(detectIn([and], "tok_abcd1234", "a.txt").matches).toHaveLength(1);
    expect(detectIn([and], "tok_abcd1234", "a.md").matches).toHaveLength(0);
  });

  it("flags files by path with path-only rules, even when content is skipped", () => {
    const det = new Detector(
      compileRuleSet([
        { id: "p12", description: "keystore", path: String.raw`\.p12$` },
      ]),
    );
    expect(
      det.detect(
        { path: "x/cert.p12", data: Buffer.from([0, 1, 2]) },
        { pathOnly: true },
      ).matches,
    ).toHaveLength(1);
    expect(
      det.detect({ path: "x/cert.txt", data: Buffer.from("") }).matches,
    ).toHaveLength(0);
  });

  it("maps lines of a diff fragment back to file lines", () => {
    const r = new Detector(compileRuleSet([token])).detect({
      path: "a",
      data: Buffer.from("x\ntok_abcd1234\n"),
      lineMap: [10, 42],
    });
    expect(r.matches[0]?.line).toBe(42);
  });

  it("counts columns in UTF-16 units after multi-byte characters", () => {
    expect(detectIn([token], "é€ tok_abcd1234").matches[0]?.column).toBe(4);
  });

  it("stops a rule that exceeds its time budget between matches and reports it", () => {
    let t = 0;
    const r = new Detector(compileRuleSet([token])).detect(
      {
        path: "a",
        data: Buffer.from("tok_abcd1234 tok_abcd1235 tok_abcd1236"),
      },
      { ruleBudgetMs: 5, now: () => (t += 10) },
    );
    expect(r.timeouts).toEqual([expect.objectContaining({ ruleId: "tok" })]);
    expect(r.matches.length).toBeLessThan(3);
  });

  it("computes Shannon entropy", () => {
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
  });
});

describe("default rules", () => {
  const set = compileRuleSet(defaultRules, defaultAllowlists);
  const ids = new Set(defaultRules.map((r) => r.id));

  it("compile without problems and cover at least 150 credential types", () => {
    expect(set.problems).toEqual([]);
    // Built-in rules compile on first use: compile every regex and allowlist now.
    for (const rule of set.rules) {
      expect(
        () => [rule.regex, rule.path, rule.allowlists],
        rule.id,
      ).not.toThrow();
      // A contextual rule runs code (contextual/), gated by keywords or a path.
      if (rule.spec.contextual === undefined)
        expect(rule.regex ?? rule.path, rule.id).toBeInstanceOf(RegExp);
    }
    expect(ids.size).toBe(defaultRules.length);
    expect(ids.size).toBeGreaterThanOrEqual(150);
  });

  it.each([
    ["aws-access-token", 'key = "AKIAZ7QXK3JPMWR2LNVT"'],
    ["github-pat", "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"],
    ["stripe-secret-key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    [
      "private-key",
      `-----BEGIN RSA PRIVATE KEY-----\n${"MIIEowIBAAKCAQEA7".repeat(8)}\n-----END RSA PRIVATE KEY-----`,
    ],
    [
      "database-connection-string",
      'url = "postgres://app:S3cr3tPw@db.internal:5432/app"',
    ],
    ["basic-auth-url", "see https://deploy:Zq9xT2pLw@api.example.com/v1"],
    [
      "slack-incoming-webhook",
      "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghij1234567890",
    ],
  ])("%s finds its token", (id, text) => {
    const r = new Detector(set).detect({
      path: "src/x.ts",
      data: Buffer.from(text),
    });
    expect(r.matches.map((m) => m.ruleId)).toContain(id);
  });

  it.each([
    'url = "postgres://postgres:postgres@localhost/db"',
    'url = "https://${USER}:${PASSWORD}@host"',
    "https://user:password@example.com",
    "const k = process.env.API_KEY;",
  ])("reports nothing for %s", (text) => {
    const r = new Detector(set).detect({
      path: "src/x.ts",
      data: Buffer.from(text),
    });
    expect(r.matches).toEqual([]);
  });
});

const conformance = fileURLToPath(
  new URL("../../../../shared/conformance/", import.meta.url),
);

describe.skipIf(!existsSync(conformance))(
  "anchored rules (tried at each keyword hit) and windowed search",
  () => {
    it("find the same matches over the secretlint fixtures and gitleaks testdata (also with keywords looked up one by one)", () => {
      const ruleSet = compileRuleSet(defaultRules, defaultAllowlists);
      const anchored = new Detector(ruleSet);
      const windowed = new Detector(ruleSet, { anchor: false });
      const files: string[] = [];
      const walk = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) {
            if (e.name !== "dotGit") walk(p);
          } else if (e.isFile() && statSync(p).size < 1 << 20) files.push(p);
        }
      };
      walk(join(conformance, "secretlint-fixtures"));
      walk(join(conformance, "gitleaks/testdata"));
      // Where and what, not how far: a window ends 512 bytes after its keyword and cuts a
      // longer token (a 1Password service account token), which an anchored match does not.
      const key = (m: SecretMatch) =>
        `${m.ruleId} ${m.line}:${m.column} ${m.secret.slice(0, 400)}`;
      let total = 0;
      for (const file of files) {
        const fragment = { path: file, data: readFileSync(file) };
        const a = anchored.detect(fragment).matches.map(key).sort();
        const w = windowed.detect(fragment).matches.map(key).sort();
        expect(a, file).toEqual(w);
        // Keywords looked up one by one (small scans) find the same hits as the automaton.
        const small = new Detector(ruleSet, { smallScans: true });
        if (fragment.data.length <= 64 * 1024)
          expect(small.detect(fragment).matches.map(key).sort(), file).toEqual(
            a,
          );
        total += a.length;
      }
      expect(total).toBeGreaterThan(100);
    });
  },
);
