import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { systemClock } from "../../src/kernel/index.js";
import { scanSecrets } from "../../src/scan/secrets/scan.js";
import { describeWithShared } from "../support/shared.js";

/**
 * CredSweeper (Samsung/CredSweeper @ 1ed2ca5c, MIT) on its own sample corpus: the (file, line)
 * pairs sluice reports at the default confidence against the pairs of CredSweeper's
 * `tests/data/output.json` (its default settings, ML filter on). CredSweeper reports every line of
 * a multi-line value (a PEM key), so a sluice finding covers the lines from its start to its end.
 *
 * Run: npx vitest run test/conformance/credsweeper.test.ts
 */
const dir = fileURLToPath(
  new URL("../../../shared/conformance/credsweeper", import.meta.url),
);
const samples = join(dir, "samples");

/**
 * Files where sluice differs from CredSweeper on purpose (a missed line or an extra one), each
 * with its reason. The test fails when a listed file no longer differs, so the list never goes
 * stale; differences in unlisted files count against recall (and are printed).
 */
const differences: Record<string, string> = {
  uuid: "a bare UUID is an identifier; CredSweeper's UUID rule reports it by its form alone",
  "pretty.html":
    "bare UUIDs in text (CredSweeper's UUID rule) are identifiers, not secrets",
  doc_credentials_n:
    "a file labelled negative: a UUID under `UserKeyword`, which names no secret",
  wechat_p: "WeChat app ids (`wx…`) are public identifiers, not secrets",
  firebase_domain: "a Firebase domain is a host name, not a credential",
  stripe_credentials:
    "`pk_test_…`/`pk_live_…` are Stripe publishable keys, public by design (the secret and webhook keys are reported)",
  google_multi:
    "a Google OAuth client id (`….apps.googleusercontent.com`) is a public identifier",
  doc_passwd_pair:
    "`# password: keep empty` is a dictionary word in a comment (CredSweeper's ML let it through): low confidence, below the default",
  "salt.py":
    "a salt is not a secret on its own (`low` at most, below the default); these values, written with escape sequences, are not read at all",
  "nonce.py": "a nonce is not a secret on its own: `low` confidence",
  "secret.go":
    "names ending in a metadata word (`secret_looks_like_linux_path_1`) hold locations, not secrets (the byte array `Secret: []byte{…}` is reported, as a key in code)",
  aws_s3_bucket:
    "an S3 URL without a signature or key names a location (CredSweeper's AWS S3 Bucket rule reports the host), not a credential",
  dropbox_app_secret:
    "a 15-character lower-case value under `app_unique_val_s`, a name with no secret word: nothing but a guess would report it",
  "sample.h":
    "`#define AESKEY {0x35, …}` is reported as a key in a byte array; the array runs on to the next line, which CredSweeper leaves out",
  "changeit_crt.jks":
    "a Java truststore that opens with `changeit` (CredSweeper's JKS scanner reports it only with `--depth`; sluice reads keystores by their format)",
  "changeme_key.jks":
    "a Java keystore with a private key, opening with `changeme` (CredSweeper: `--depth` only)",
  "dummy.jks":
    "a Java keystore with a private key under an unknown password: crackable offline, as an encrypted PEM key (CredSweeper: `--depth` only)",
  "pem_key.n.encrypted.1":
    "an encrypted private key still leaks (its passphrase can be brute-forced offline); gitleaks' private-key rule reports it, as sluice does",
  "pem_key.n.encrypted.2":
    "an encrypted private key still leaks (its passphrase can be brute-forced offline); gitleaks' private-key rule reports it, as sluice does",
};

/** Measured recall floors (lines, files): a change that loses recall fails here. */
const floor = { lines: 756, files: 149 };

interface Expected {
  line_data_list: { path: string; line_num: number }[];
}

describeWithShared(dir)("CredSweeper sample corpus", () => {
  it("reports CredSweeper's lines and files; listed differences still differ", async () => {
    const expected = new Set<string>();
    const expectedFiles = new Set<string>();
    const output = JSON.parse(
      readFileSync(join(dir, "data/output.json"), "utf8"),
    ) as Expected[];
    for (const finding of output)
      for (const l of finding.line_data_list) {
        const file = l.path.replace(/^\.\/tests\/samples\//, "");
        expected.add(`${file}:${l.line_num}`);
        expectedFiles.add(file);
      }
    const result = await scanSecrets({
      target: { kind: "tree", path: samples },
      clock: systemClock,
      workers: 2,
      gitignore: false,
    });
    const reported = new Set<string>();
    const reportedFiles = new Set<string>();
    for (const f of result.findings) {
      const { path, startLine, endLine } = f.location;
      for (let line = startLine; line <= (endLine ?? startLine); line++)
        reported.add(`${path}:${line}`);
      reportedFiles.add(path);
    }
    const missed = [...expected].filter((k) => !reported.has(k));
    const extras = [...reported].filter((k) => !expected.has(k));
    const lines = expected.size - missed.length;
    const files = [...expectedFiles].filter((f) => reportedFiles.has(f)).length;
    const fileOf = (k: string): string => k.slice(0, k.lastIndexOf(":"));
    const differing = new Set([...missed, ...extras].map(fileOf));
    const unlisted = [...differing].filter((f) => !(f in differences)).sort();
    const pct = (a: number, b: number): string =>
      `${((100 * a) / b).toFixed(1)}%`;
    console.log(
      [
        `CredSweeper corpus: lines ${lines}/${expected.size} (${pct(lines, expected.size)}), ` +
          `files ${files}/${expectedFiles.size} (${pct(files, expectedFiles.size)}), ` +
          `${extras.length} extra lines in ${new Set(extras.map(fileOf)).size} files`,
        `  missed (unlisted files): ${missed.filter((k) => !(fileOf(k) in differences)).join(" ")}`,
        `  extra (unlisted files): ${extras.filter((k) => !(fileOf(k) in differences)).join(" ")}`,
        `  files missed: ${[...expectedFiles]
          .filter((f) => !reportedFiles.has(f))
          .sort()
          .join(" ")}`,
        `  files differing, not listed: ${unlisted.length}; without the listed files: lines ` +
          `${[...expected].filter((k) => !(fileOf(k) in differences) && reported.has(k)).length}/` +
          `${[...expected].filter((k) => !(fileOf(k) in differences)).length}`,
      ].join("\n"),
    );
    const stale = Object.keys(differences).filter((f) => !differing.has(f));
    expect(stale, "listed differences that no longer differ").toEqual([]);
    expect(lines).toBeGreaterThanOrEqual(floor.lines);
    expect(files).toBeGreaterThanOrEqual(floor.files);
  });
});
