import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCredentialFinder } from "./credentials.js";

// Test credentials are built at run time, so the repository's own secret scan does not flag
// this file.
function pick(alphabet: string, length: number): string {
  return Array.from(
    { length },
    () => alphabet[randomInt(alphabet.length)],
  ).join("");
}
const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const awsKeyId = ["AK", "IA"].join("") + pick(`${upper}234567`, 16);
const githubToken =
  ["gh", "p_"].join("") +
  pick(`${upper}abcdefghijklmnopqrstuvwxyz0123456789`, 36);

describe("the credential finder (provider rules, for masking output)", () => {
  const found = createCredentialFinder();
  const finder = {
    find: (text: string) => found.find(text).map((c) => c.value),
  };

  it("finds provider credentials in output text", () => {
    const text = `Configuring AWS with ${awsKeyId}\ngit clone https://x:${githubToken}@github.com/o/r\n`;
    expect(finder.find(text).sort()).toEqual([awsKeyId, githubToken].sort());
  });

  it("finds a value once however often it appears", () => {
    expect(finder.find(`${githubToken} ${githubToken}`)).toEqual([githubToken]);
  });

  it("leaves alone what only the generic rule would take (cache keys, hashes)", () => {
    expect(
      finder.find(
        "cache key = npm-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
      ),
    ).toEqual([]);
  });

  it("finds nothing in ordinary build output", () => {
    expect(
      finder.find("added 312 packages in 4s\nhttps://registry.npmjs.org/ ok\n"),
    ).toEqual([]);
  });
});
