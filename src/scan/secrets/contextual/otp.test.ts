import { describe, expect, it } from "vitest";
import { Detector } from "../detect.js";
import { compileRuleSet } from "../rule.js";
import { defaultAllowlists, defaultRules } from "../rules/index.js";
import { detectOtpauthUris } from "./otp.js";

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));

/** Findings at `medium` and above (the default), as `rule line:secret confidence`. */
function found(path: string, lines: string[]): string[] {
  return detector
    .detect({ path, data: Buffer.from(lines.join("\n")) })
    .matches.filter((m) => m.confidence !== "low")
    .map((m) => `${m.ruleId} ${m.line}:${m.secret} ${m.confidence}`);
}

// Seeds built at run time, so this file holds no literal credential: CredSweeper's sample seeds
// (80 and 160 bits of random bytes).
const seed = ["WXFES7QN", "TET5DQYC"].join("");
const long = ["JERZOR2X", "LQYTUQG7", "YBZYHLK3", "KSLRYTWB"].join("");

describe("OTP seed files", () => {
  it.each([
    "otp_2fa",
    "totp-seeds.txt",
    "secrets/HOTP.key",
    "backup/MFA seeds.txt",
    "2fa",
    "home/me/authenticator.txt",
  ])("reports a seed line in %s", (path) => {
    expect(found(path, ["", `  ${seed}`, long])).toEqual([
      `otp-seed-file 2:${seed} medium`,
      `otp-seed-file 3:${long} medium`,
    ]);
  });

  it("reads ~/.google_authenticator: the seed, not its options or scratch codes", () => {
    const file = [
      long,
      '" RATE_LIMIT 3 30',
      '" WINDOW_SIZE 17',
      '" TOTP_AUTH',
      "40718206",
      "87294512",
    ];
    expect(found("home/me/.google_authenticator", file)).toEqual([
      `otp-seed-file 1:${long} medium`,
    ]);
  });

  it("takes base32 padding up to a multiple of 8", () => {
    const padded = `${long.slice(0, 26)}======`;
    expect(found("otp.txt", [padded])).toEqual([
      `otp-seed-file 1:${padded} medium`,
    ]);
    expect(found("otp.txt", [`${long.slice(0, 26)}===`])).toEqual([]);
  });

  it("says why it fired: the file's name", () => {
    const [match] = detector.detect({
      path: "keys/otp_2fa",
      data: Buffer.from(seed),
    }).matches;
    expect(match?.key).toBe("OTP seed (file named otp_2fa)");
    expect(match?.syntax).toBe("text");
  });

  it.each(["notes.txt", "seeds", "otp/notes.txt", "hotpot.txt", "laptop.txt"])(
    "does not read %s (its name is not an OTP file's)",
    (path) => {
      expect(found(path, [seed, long])).toEqual([]);
    },
  );

  it.each([
    [
      "a base32 run inside a base64 line",
      `${seed}/WfRCqbCGkCJa8MRsXo0zxuGs+5T`,
    ],
    ["a base32 run inside a longer token", `${seed}${"q".repeat(8)}`],
    ["a value that says it is an example", `${seed.slice(0, 9)}EXAMPLE`],
    ["lower case", seed.toLowerCase()],
    ["0, 1, 8 and 9, which base32 lacks", `${seed.slice(0, 12)}0189`],
    ["letters only", "WXFESQNTETDQYCAB"],
    ["digits only", "2345672345672345"],
    ["15 characters", seed.slice(0, 15)],
    ["65 characters", `${long}${long}Q`],
    ["a seed with a name (the assignment detector's)", `otp = ${seed}`],
    // RFC 6238's test key `12345678901234567890`, and the key URI format's `Hello!…`.
    ["a test vector that encodes text", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"],
    ["a sample that encodes a word", "JBSWY3DPEHPK3PXP"],
  ])("does not report %s", (_, line) => {
    expect(
      found("otp_2fa", [line]).filter((f) => f.startsWith("otp-seed-file")),
    ).toEqual([]);
  });

  it("is one level lower in a test folder: not reported at the default", () => {
    expect(found("test/fixtures/otp_2fa", [seed])).toEqual([]);
  });
});

describe("otpauth:// URIs", () => {
  const uri = (type: string, query: string): string =>
    `otpauth://${type}/ACME%20Co:alice@example.com?${query}`;
  const detect = (text: string): string[] =>
    detectOtpauthUris({
      path: "enrol.txt",
      name: "enrol.txt",
      text,
      syntax: "text",
      hits: [text.indexOf("otpauth://")],
    }).map((h) => `${h.key} ${text.slice(h.start, h.end)} ${h.confidence}`);

  it.each([
    [`{"enrol": "${uri("totp", `secret=${long}&issuer=ACME`)}"}`, long],
    [uri("hotp", `issuer=ACME&counter=1&secret=${long}`), long],
    [
      `URL = '${uri("totp", `secret=${long.toLowerCase()}`)}'`,
      long.toLowerCase(),
    ],
    [
      uri("TOTP", `secret=${long.slice(0, 26)}%3D%3D%3D%3D%3D%3D`),
      `${long.slice(0, 26)}%3D%3D%3D%3D%3D%3D`,
    ],
  ])("reads the secret of %s", (text, secret) => {
    const type = /otpauth:\/\/(\w+)/.exec(text)![1]!.toLowerCase();
    expect(detect(text)).toEqual([
      `otpauth://${type} URI secret ${secret} high`,
    ]);
  });

  it.each([
    ["mixed case (another encoding)", `${long.slice(0, 16)}${"abcdefgh"}`],
    ["a name, not a value", "SECRET"],
    ["a sample that encodes a word", "JBSWY3DPEHPK3PXP"],
    ["a placeholder", `${seed.slice(0, 9)}EXAMPLE`],
    ["a template", "${SEED}"],
    ["0, 1, 8 and 9, which base32 lacks", `${seed.slice(0, 12)}0189`],
  ])("does not read %s", (_, secret) => {
    expect(detect(uri("totp", `secret=${secret}&issuer=ACME`))).toEqual([]);
  });

  it("does not read a `secret` that is not the URI's parameter", () => {
    expect(detect(uri("totp", `label_secret=${long}`))).toEqual([]);
    expect(detect(`otpauth://totp/x ?secret=${long}`)).toEqual([]);
  });

  // gitleaks' generic rule reports most `secret=…` values first (a regex rule's finding wins at
  // the same place); this one it leaves, so the URI rule reports it, and says why.
  it("reports a secret the generic rule leaves, with why it fired", () => {
    const text = uri("totp", `secret=${seed}&issuer=ACME`);
    const matches = detector.detect({
      path: "enrol.txt",
      data: Buffer.from(text),
    }).matches;
    expect(matches.map((m) => [m.ruleId, m.secret, m.key, m.syntax])).toEqual([
      ["otpauth-uri-secret", seed, "otpauth://totp URI secret", "text"],
    ]);
    // Documentation holds sample URIs: `low`, not reported at the default.
    expect(found("docs/2fa.md", [text])).toEqual([]);
  });
});
