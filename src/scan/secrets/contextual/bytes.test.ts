import { describe, expect, it } from "vitest";
import { Detector } from "../detect.js";
import { compileRuleSet } from "../rule.js";
import { defaultAllowlists, defaultRules } from "../rules/index.js";

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));
const found = (path: string, text: string): string[] =>
  detector
    .detect({ path, data: Buffer.from(text) })
    .matches.filter((m) => m.confidence !== "low")
    .map((m) => `${m.ruleId} ${m.line}`);

const bytes = [
  0x35, 0x34, 0x65, 0x9b, 0x1c, 0x2e, 0x13, 0x08, 0x21, 0x1b, 0x23, 0x00, 0x7f,
  0x41, 0xc2, 0x99,
].map((b) => `0x${b.toString(16).padStart(2, "0")}`);
const list = bytes.join(", ");

describe("a key written as a byte array in code", () => {
  it.each([
    [
      "aes.h",
      `// key\n#define AESKEY {${list.replace(", 0x13", ", \\\n  0x13")}}`,
    ],
    ["crypt.c", `static unsigned char secret_key[] = { ${list} };`],
    ["main.go", `cfg := Config{\n  Secret: []byte{${list}},\n}`],
    ["Crypto.java", `byte[] aesKey = new byte[] {${list}};`],
    ["crypt.py", `AES_KEY = bytes([${list}])`],
    ["crypt.js", `const secretKey = new Uint8Array([${list}]);`],
  ])("%s", (path, text) => {
    expect(found(path, text)).toEqual([
      `password-assignment ${text.split("\n").findIndex((l) => l.includes("0x35")) + 1}`,
    ]);
  });

  it("leaves a zero-filled buffer, a short array, a bare script list, a salt, and non-code files", () => {
    const zeros = Array(32).fill("0x00").join(", ");
    expect(found("crypt.c", `unsigned char key[] = {${zeros}};`)).toEqual([]);
    expect(
      found(
        "crypt.c",
        `unsigned char key[] = {${bytes.slice(0, 8).join(", ")}};`,
      ),
    ).toEqual([]);
    expect(found("keys.js", `const keyCodes = [${list}];`)).toEqual([]);
    expect(found("crypt.c", `unsigned char salt[] = {${list}};`)).toEqual([]);
    expect(found("notes.txt", `key = {${list}}`)).toEqual([]);
  });
});
