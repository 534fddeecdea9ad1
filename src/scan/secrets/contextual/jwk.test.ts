import { describe, expect, it } from "vitest";
import { Detector } from "../detect.js";
import { compileRuleSet } from "../rule.js";
import { defaultAllowlists, defaultRules } from "../rules/index.js";

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));
const found = (path: string, text: string): string[] =>
  detector
    .detect({ path, data: Buffer.from(text) })
    .matches.filter((m) => m.confidence !== "low")
    .map((m) => `${m.ruleId} ${m.line}-${m.endLine}`);

// Built at run time: this file holds no literal key.
const d = ["slaQqyHQPudOpq2m", "bDskum8rOu9IMkLG", "jINAFWwfqr-"].join("");
const k = ["WrMwQfoNaHTg", "XU5fZvRGAD"].join("");
const jwks = `[\n  {\n    "kty": "EC",\n    "d": "${d}"\n  },\n  {\n    "kty": "oct",\n    "k": "${k}"\n  }\n]`;

describe("json-web-key-private", () => {
  it("reports each private key from its kty line to its private member", () => {
    expect(found("keys.json", jwks)).toEqual([
      "json-web-key-private 3-4",
      "json-web-key-private 7-8",
    ]);
  });

  it("reports a key set that was base64-encoded", () => {
    const encoded = Buffer.from(jwks).toString("base64");
    expect(found("keys.txt", `${encoded}\n`)).toEqual(["encoded-secret 1-1"]);
  });

  it("does not report a public key, or a `k` member outside a symmetric key", () => {
    const pub = `{"kty": "EC", "crv": "P-256", "x": "${d}", "y": "${d}"}`;
    expect(found("pub.json", pub)).toEqual([]);
    expect(
      found("pub.json", `{"kty": "RSA", "k": "${k}", "n": "${d}"}`),
    ).toEqual([]);
    expect(
      found("pub.txt", `${Buffer.from(pub).toString("base64")}\n`),
    ).toEqual([]);
  });
});
