import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Detector } from "./detect.js";
import { pkcs12KnownPassword } from "./pkcs12.js";
import { compileRuleSet } from "./rule.js";
import { defaultRules } from "./rules/index.js";

const gcp = fileURLToPath(
  new URL(
    "../../../../shared/conformance/secretlint-fixtures/packages/@secretlint/secretlint-rule-gcp/test/snapshots/",
    import.meta.url,
  ),
);
const input = (name: string): Buffer =>
  readFileSync(join(gcp, name, "input.p12"));

describe("pkcs12KnownPassword", () => {
  it.each([
    [Buffer.alloc(0), undefined],
    [Buffer.from("not a keystore"), undefined],
    [Buffer.from([0x30, 0x82, 0xff, 0xff, 0x02]), undefined],
  ])("reads no keystore in %j", (data, expected) => {
    expect(pkcs12KnownPassword(data)).toBe(expected);
  });

  describe.skipIf(!existsSync(gcp))("secretlint's GCP keystores", () => {
    it.each([
      ["ng.privatekey-p12", true],
      ["ng.privatekey-p12-sha256-mac", true],
      ["ng.privatekey-p12-sha384-mac", true],
      ["ng.privatekey-p12-sha512-mac", true],
      // Another password: the MAC does not verify.
      ["ok.secure-privatekey-p12", false],
      // 2,000,000 MAC iterations: above the cap, not tried.
      ["ok.invalid-p12-huge-iter", undefined],
      ["ok.invalid-p12-no-mac", undefined],
      ["ok.invalid-p12-truncated", undefined],
    ])("%s → %s", (name, expected) => {
      expect(pkcs12KnownPassword(input(name))).toBe(expected);
    });
  });
});

describe("pkcs12-file rule", () => {
  const detector = new Detector(compileRuleSet(defaultRules));
  const ids = (path: string, data: Uint8Array, contentUnknown = false) =>
    detector
      .detect(
        { path, data, ...(contentUnknown ? { contentUnknown } : {}) },
        {
          pathOnly: true,
        },
      )
      .matches.map((m) => m.ruleId);

  it("flags a keystore by name when its bytes are not available (a binary file in a diff)", () => {
    expect(ids("keys/app.pfx", new Uint8Array([0]), true)).toEqual([
      "pkcs12-file",
    ]);
  });

  it("does not flag a .p12 file that is not a keystore", () => {
    expect(ids("keys/app.p12", Buffer.from("random bytes"))).toEqual([]);
  });

  it.skipIf(!existsSync(gcp))(
    "flags a keystore that opens with notasecret, not one with another password",
    () => {
      expect(ids("sa.p12", input("ng.privatekey-p12"))).toEqual([
        "pkcs12-file",
      ]);
      expect(ids("sa.p12", input("ok.secure-privatekey-p12"))).toEqual([]);
    },
  );
});
