import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { Detector } from "../../src/scan/secrets/detect.js";
import { compileRuleSet } from "../../src/scan/secrets/rule.js";
import {
  defaultAllowlists,
  defaultRules,
} from "../../src/scan/secrets/rules/index.js";
import { describeWithShared } from "../support/shared.js";

/**
 * detect-secrets (Yelp/detect-secrets @ 5e141933, Apache-2.0): its keyword plugin's test tables
 * (tests/plugins/keyword_test.py: a line, a file extension, and the secret the plugin must find or
 * none) and the lines its test_data files report (tests/core/secrets_collection_test.py). sluice
 * answers at the default confidence with every rule, as a scan does.
 *
 * Run: npx vitest run test/conformance/detect-secrets.test.ts
 */
const dir = fileURLToPath(
  new URL("../../../shared/conformance/detect-secrets", import.meta.url),
);

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));

/** Findings at `medium` and above in one file's content: 1-based lines. */
function lines(path: string, text: string | Buffer): number[] {
  const found = detector
    .detect({ path, data: Buffer.isBuffer(text) ? text : Buffer.from(text) })
    .matches.filter((m) => m.confidence !== "low");
  return [...new Set(found.map((m) => m.line))].sort((a, b) => a - b);
}

/** A Python string literal ('…' or "…") with `\` escapes, from `at`; its value and end. */
function pyString(src: string, at: number): { value: string; end: number } {
  const quote = src[at]!;
  let value = "";
  let i = at + 1;
  for (; src[i] !== quote; i++) {
    if (src[i] === "\\") value += src[++i];
    else value += src[i];
  }
  return { value, end: i + 1 };
}

interface Case {
  table: string;
  line: string;
  secret: string | undefined;
}

/** The tables of keyword_test.py, with their `.format(X)` filled in. */
function keywordCases(): Case[] {
  const src = readFileSync(join(dir, "tests/keyword_test.py"), "utf8");
  const constants: Record<string, string> = {};
  for (const m of src.matchAll(/^([A-Z_]+_SECRET) = (['"])/gm))
    constants[m[1]!] = pyString(src, m.index + m[1]!.length + 3).value;
  // LONG_LINE: a data URI of 24,000 repeated digits, base64-encoded.
  constants.LONG_LINE = `<img src="data:image/png;base64,b'${Buffer.from("7".repeat(24000)).toString("base64")}'\n"\n>`;
  const cases: Case[] = [];
  for (const table of src.matchAll(
    /^([A-Z_]+_TEST_CASES) = \[\n([\s\S]*?)^\]/gm,
  )) {
    for (const row of table[2]!.split("\n")) {
      const start = row.indexOf("(");
      if (start < 0) continue;
      let line: string;
      let rest: string;
      if (row.slice(start + 1).startsWith("LONG_LINE")) {
        line = constants.LONG_LINE!;
        rest = row.slice(start + 1 + "LONG_LINE".length);
      } else {
        const lit = pyString(row, start + 1);
        line = lit.value;
        rest = row.slice(lit.end);
        const fmt = /^\.format\(([A-Z_]+)\)/.exec(rest);
        if (fmt) {
          // Unescape the template's `{{`/`}}`, then fill its `{}` with the constant as is.
          line = line
            .split("{}")
            .map((part) => part.replace(/\{\{/g, "{").replace(/\}\}/g, "}"))
            .join(constants[fmt[1]!]!);
          rest = rest.slice(fmt[0].length);
        }
      }
      const expected = /^\s*,\s*([A-Z_]+|None)\)/.exec(rest)?.[1];
      if (!expected) continue;
      cases.push({
        table: table[1]!,
        line,
        secret: expected === "None" ? undefined : constants[expected],
      });
    }
  }
  return cases;
}

/** keyword_test.py's parametrisation: table → file extensions (None: no extension). */
const extensions: Record<string, string[]> = {
  CONFIG_TEST_CASES: ["conf"],
  GOLANG_TEST_CASES: ["go"],
  COMMON_C_TEST_CASES: ["m", "c", "cs"],
  QUOTES_REQUIRED_TEST_CASES: [
    "cls",
    "java",
    "py",
    "pyi",
    "js",
    "swift",
    "tf",
    "",
  ],
};

/**
 * Where sluice answers differently on purpose: a rule over the differing cases, and its reason.
 * The test fails when a rule matches no differing case (stale) or a differing case matches none.
 */
const differences: {
  reason: string;
  matches: (c: Case & { ext: string; found: boolean }) => boolean;
}[] = [
  {
    reason:
      '`password "…";` has no operator: sluice needs one (`=`, `:`, `:=`, `=>`, `==`, `!=`) or a #define/%define/SET before the name, so a string after a bare word is not read as its value',
    matches: (c) => /^(?:password|secrete) "/.test(c.line),
  },
  {
    reason:
      'names of the token and key families (`api_key`, `apikey_myservice`, `private_key`) label many things that are not secrets (`key: "TIME_24_SIMPLE"`), so their value must look like a token (8+ letters and digits, mixed); detect-secrets\' sample value is punctuation-heavy',
    matches: (c) =>
      c.secret !== undefined &&
      /(?:\b|_)(?:apikey(?:_myservice)?|api_key|private_key)\b/.test(c.line),
  },
  {
    reason:
      "a phrase (`value with quotes and spaces`) is a sentence, not a password: `low` confidence, below the default",
    matches: (c) => c.line.includes("value with quotes and spaces"),
  },
  {
    reason:
      "an unquoted value ends at a comma, brace or bracket (they end values in YAML, INI and shell), so `m{{h}o)p…` and `A,.:-…` are cut short; quoted, both are found",
    matches: (c) =>
      c.secret !== undefined &&
      !/=\s*[@]?["'`]|:\s*["'`]/.test(c.line) &&
      (c.ext === "conf" || c.ext === "go"),
  },
  {
    reason:
      "single-quoted strings are strings in most languages (and in C# and Objective-C files written by hand); sluice reads them in every file where detect-secrets' C rules require double quotes",
    matches: (c) => c.secret === undefined && /= @?'/.test(c.line),
  },
];

describeWithShared(dir)("detect-secrets conformance", () => {
  it("keyword_test.py: every table case gives the same answer, or a listed difference", () => {
    const all = keywordCases().flatMap((c) =>
      (extensions[c.table] ?? []).map((ext) => {
        const path = ext ? `mock_filename.${ext}` : "mock_filename";
        return { ...c, ext, found: lines(path, c.line).length > 0 };
      }),
    );
    const differing = all.filter((c) => c.found !== (c.secret !== undefined));
    const unexplained = differing.filter(
      (c) => !differences.some((d) => d.matches(c)),
    );
    const stale = differences.filter((d) => !differing.some(d.matches));
    console.log(
      `detect-secrets keyword tables: ${all.length - differing.length}/${all.length} cases agree ` +
        `(${all.filter((c) => c.secret).length} with a secret, ${all.filter((c) => !c.secret).length} without); ` +
        `${differing.length} differ, ${differing.length - unexplained.length} of them listed`,
    );
    for (const c of unexplained)
      console.log(
        `  differs: .${c.ext} ${JSON.stringify(c.line.slice(0, 90))} expected ${c.secret ? "a secret" : "none"}`,
      );
    expect(stale.map((d) => d.reason)).toEqual([]);
    expect(unexplained.length).toBe(0);
  });

  it("test_data: the lines secrets_collection_test.py expects, or a listed difference", () => {
    // The file, and the lines its test expects (the plugin it configures in a comment).
    const expected: Record<string, number[]> = {
      "config.ini": [2, 10, 21, 22, 32], // Base64HighEntropyString, limit 3.0
      "config.yaml": [3, 5, 13], // HexHighEntropyString, limit 3.0
      "each_secret.py": [4], // every plugin, with EXAMPLE lines and id strings filtered
      "only_comments.yaml": [],
      "config.env": [1], // "finds something"
      "config.md": [10], // "finds something"
    };
    const differences: Record<string, string> = {
      "config.ini:21":
        "`keyB = 456789123a` is found by detect-secrets' context-free entropy plugin; the name `keyB` names no secret and sluice has no context-free entropy rule (its false positives are the noise issue 15 is about)",
      "config.ini:22":
        "a continuation line of `keyB`, found by the same context-free entropy plugin",
      "config.yaml:3":
        "`other_value_here: 1234567890a`: found by the hex entropy plugin alone; no secret name, no provider format",
      "config.yaml:5":
        "`AKIATESTTESTTESTTEST` is a sample id (gitleaks' aws-access-token allowlist drops such placeholder ids), and an id alone is not a secret",
      "config.yaml:13":
        "a base64 value behind a YAML `!!binary` tag, found by the entropy plugin alone; the tag is not a value and the name says `low_entropy`",
      "each_secret.py:5":
        "the test runs detect-secrets with filters that keep one secret; sluice reports the hex secret assigned to `hex_secret` too",
      "each_secret.py:6":
        "the test's filters drop the basic-auth URL; sluice reports the URL's password",
      "each_secret.py:9":
        "the test filters lines with EXAMPLE; sluice's aws-secret-access-key reports the value (gitleaks' rule, which has no EXAMPLE stopword for secret keys)",
      "config.env:1":
        "`mimi=gX69…`: a random value under a name that names no secret, found by the entropy plugin alone",
    };
    const differing: string[] = [];
    for (const [file, want] of Object.entries(expected)) {
      const got = lines(file, readFileSync(join(dir, "test_data", file)));
      for (const l of want)
        if (!got.includes(l)) differing.push(`${file}:${l}`);
      for (const l of got)
        if (!want.includes(l)) differing.push(`${file}:${l}`);
    }
    console.log(
      `detect-secrets test_data: ${differing.length} differing lines, all listed: ${differing.every((d) => d in differences)}`,
    );
    expect(differing.sort()).toEqual(Object.keys(differences).sort());
  });
});
