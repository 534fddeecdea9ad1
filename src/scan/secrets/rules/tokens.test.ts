import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Detector } from "../detect.js";
import { compileRuleSet } from "../rule.js";
import { defaultAllowlists, defaultRules } from "./index.js";

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));
const found = (text: string, path = "config.txt"): string[] =>
  detector
    .detect({ path, data: Buffer.from(text) })
    .matches.map((m) => `${m.ruleId}:${m.secret}`);

// Every token below is built at run time: this file holds no literal credential.
const b64 = (s: string): string =>
  Buffer.from(s).toString("base64url").replace(/=+$/, "");
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const checksum = (body: string): string => {
  let n = crc32(body);
  let s = "";
  while (n > 0) {
    s = base62[n % 62]! + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(6, "0");
};

describe("github-token-checksummed", () => {
  it("reports a ghp_ token whose CRC32 checksum holds, where gitleaks' github-pat (entropy) leaves it", () => {
    const body = "0".repeat(31);
    const t = `ghp_${body}${checksum(body)}`;
    expect(found(`# ${t} # classic`)).toEqual([
      `github-token-checksummed:${t}`,
    ]);
  });

  it("leaves the same shape with a wrong checksum, and a random 36-character token to github-pat", () => {
    const body = "0".repeat(31);
    expect(found(`# ghp_${body}ZZZZZZ`)).toEqual([]);
    const random = "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO";
    const t = `ghp_${random}${checksum(random)}`;
    expect(found(`# ${t}`)).toEqual([`github-pat:${t}`]);
  });
});

describe("atlassian-api-token-escaped", () => {
  const body = `ATATT3xFfGF0${"vNZ7oy6ON4KrWEzKEu96n-r2bCLOOcdO".repeat(6).slice(0, 171)}`;
  it.each(["\\=", "%3D", "%3d"])(
    "reports a token whose = is written %s",
    (eq) => {
      const t = `${body}${eq}00203E68`;
      expect(found(`url_escaped = ${t}`)).toEqual([
        `atlassian-api-token-escaped:${t}`,
      ]);
    },
  );

  it("does not report an escaped token cut short", () => {
    expect(found(`x = ${body.slice(0, 150)}%3D00203E68`)).toEqual([]);
  });
});

describe("jira-confluence-pat", () => {
  // base64("<12 digits>:" + 20 bytes): the Data Center PAT's structure.
  const pat = Buffer.concat([
    Buffer.from("926607655526:"),
    Buffer.from("1d833a7012740e1e82211064ca22e62b76461a419", "hex").subarray(
      0,
      20,
    ),
  ]).toString("base64");

  it("reports a PAT after a word that names it", () => {
    expect(pat).toHaveLength(44);
    expect(found(`JIRA_TOKEN=${pat}`)).toContain(`jira-confluence-pat:${pat}`);
    expect(
      found(`curl -H "Authorization: Bearer ${pat}" https://jira.example.com`),
    ).toContain(`jira-confluence-pat:${pat}`);
  });

  it("does not report 44 base64 characters that do not decode to 12 digits and a colon", () => {
    const near = Buffer.concat([
      Buffer.from("0001:"),
      Buffer.alloc(28, 0x5a),
    ]).toString("base64");
    expect(found(`jira_token: ${near}`)).not.toContainEqual(
      expect.stringMatching(/^jira-confluence-pat/),
    );
  });
});

describe("discord-bot-token", () => {
  const hmac = "Zig9V5mpMk-JybgCFvqSfgY9EoqWjkA5O_qDje";
  it.each([
    ["a 19-digit id, bare", "1234567890123456789", "bot.run('%')"],
    [
      "an 18-digit id after the word discord",
      "792715454196088842",
      "DISCORD_TOKEN=%",
    ],
  ])("reports %s", (_name, id, line) => {
    const t = `${b64(id)}.X-hvzA.${hmac}`;
    expect(found(line.replace("%", t))).toContain(`discord-bot-token:${t}`);
  });

  it("does not report a dotted token whose first part is not a numeric id", () => {
    const t = `${b64("12345678901234567x")}.X-hvzA.${hmac}`;
    expect(found(`DISCORD_TOKEN=${t}`)).not.toContainEqual(
      expect.stringMatching(/^discord-bot-token/),
    );
  });
});

describe("notion-integration-token", () => {
  const tail = ["HqTVYn", "ngGdDMwvD6Y", "lJxuiVw5TqmyWe47R"].join(""); // 34
  it.each([
    ["a letter before the 11 digits", `b${"86750914948"}`],
    ["a letter among the digits", `${"123465789"}l${"62"}`],
    ["12 digits", "427324824334"],
  ])("reports a token with %s", (_, id) => {
    const t = `ntn_${id}${tail}`;
    expect(found(`# ${t}`)).toContain(`notion-integration-token:${t}`);
  });

  it.each([
    ["only 10 digits in its first 12 characters", `1234567890aB`],
    ["45 characters", "86750914948"],
    ["a placeholder", "xxxxxxxxxxxx"],
  ])("does not report a value with %s", (_, id) => {
    expect(found(`# ntn_${id}${tail}`)).toEqual([]);
  });
});
