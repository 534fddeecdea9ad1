import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  renameSync,
  writeFileSync,
  mkdirSync,
  chmodSync,
  readdirSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/index.js";
import { readBaseline } from "./baseline.js";
import { parseConfig } from "./config.js";
import type { SecretScanOptions } from "./scan.js";
import { scanSecrets } from "./scan.js";

const token = "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";
const stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "sluice-secrets-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    "git",
    [
      "-c",
      "user.name=Ada",
      "-c",
      "user.email=ada@example.com",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    { cwd, encoding: "utf8" },
  );
const repo = (): string => {
  const d = tmp();
  git(d, "init", "-q", "-b", "main");
  return d;
};
const scan = (
  target: SecretScanOptions["target"],
  extra: Partial<SecretScanOptions> = {},
) =>
  scanSecrets({
    target,
    clock: systemClock,
    workers: 1,
    hashKey: Buffer.from("a test key of this file"),
    ...extra,
  });

describe("scanSecrets on a work tree", () => {
  it("finds secrets, follows .gitignore and .sluiceignore, and skips binary, huge and generated files", async () => {
    const d = repo();
    writeFileSync(join(d, "app.ts"), `export const token = "${token}";\n`);
    writeFileSync(join(d, ".gitignore"), "ignored.txt\n");
    writeFileSync(join(d, "ignored.txt"), `${stripe}\n`);
    writeFileSync(join(d, ".sluiceignore"), "fixtures/\n");
    mkdirSync(join(d, "fixtures"));
    writeFileSync(join(d, "fixtures", "fake.env"), `STRIPE=${stripe}\n`);
    writeFileSync(
      join(d, "blob.dat"),
      Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(stripe)]),
    );
    writeFileSync(join(d, "Cargo.lock"), `{"x": "${stripe}"}\n`);
    // Invalid UTF-8 around a secret: still text (few bad bytes), still scanned.
    writeFileSync(
      join(d, "latin1.txt"),
      Buffer.concat([
        Buffer.from([0xe9, 0x20]),
        Buffer.from(`key ${stripe}\n`),
      ]),
    );
    // A 2 GB sparse file: skipped by size, never read.
    execFileSync("truncate", ["-s", "2G", join(d, "huge.log")]);
    const r = await scan({ kind: "tree", path: d });
    expect(
      r.findings
        .map((f) => `${f.ruleId} ${f.location.path}:${f.location.startLine}`)
        .sort(),
    ).toEqual(["github-pat app.ts:1", "stripe-access-token latin1.txt:1"]);
    expect(r.stats.skipped).toMatchObject({
      binary: 1,
      "too-large": 1,
      generated: 1,
      ignored: 1,
    });
    const f = r.findings.find((x) => x.ruleId === "github-pat")!;
    expect(f.properties?.redacted).toBe("ghp_…");
    expect(JSON.stringify(r.findings)).not.toContain(token);
    expect(f.location).toMatchObject({
      startColumn: 23,
      endColumn: 23 + token.length,
    });
  });

  it("reads a file larger than the reused read buffer whole, between small ones", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.txt"), "nothing here\n");
    // 3 MiB of text, the token on its last line: past the 1 MiB buffer each lane starts with.
    writeFileSync(
      join(d, "big.txt"),
      `${"lorem ipsum dolor sit amet\n".repeat(120_000)}token = ${token}\n`,
    );
    writeFileSync(join(d, "z.txt"), `token = ${token}\n`);
    // With a worker asked for, and as the scan chooses (a file over 1 MiB is a worker's).
    for (const extra of [{}, { workers: undefined }]) {
      const r = await scan({ kind: "tree", path: d }, extra);
      expect(
        r.findings.map((f) => `${f.location.path}:${f.location.startLine}`),
      ).toEqual(["big.txt:120001", "z.txt:1"]);
      expect(r.stats.files).toBe(3);
    }
  });

  it("treats mostly invalid UTF-8 as binary", async () => {
    const d = tmp();
    const noise = Buffer.alloc(4000, 0xff);
    writeFileSync(
      join(d, "noise.dat"),
      Buffer.concat([noise, Buffer.from(stripe)]),
    );
    const r = await scan({ kind: "tree", path: d });
    expect(r.findings).toEqual([]);
    expect(r.stats.skipped.binary).toBe(1);
  });

  it("scans a single file, named by its path in its repository", async () => {
    const d = repo();
    mkdirSync(join(d, "src"));
    writeFileSync(join(d, "src", "app.ts"), `const t = "${token}";\n`);
    writeFileSync(join(d, "src", "other.ts"), `const t = "${stripe}";\n`);
    const r = await scan({ kind: "tree", path: join(d, "src", "app.ts") });
    expect(
      r.findings.map(
        (f) => `${f.ruleId} ${f.location.path}:${f.location.startLine}`,
      ),
    ).toEqual(["github-pat src/app.ts:1"]);
    expect(r.stats.files).toBe(1);
  });

  it("scans stdin", async () => {
    const r = await scan({
      kind: "stdin",
      path: tmp(),
      data: Buffer.from(`x\n${token}\n`),
      name: "pasted.txt",
    });
    expect(
      r.findings.map((f) => [f.location.path, f.location.startLine]),
    ).toEqual([["pasted.txt", 2]]);
  });

  it("stops a catastrophically backtracking user rule, reports it, and keeps the other findings", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.txt"), `${"a".repeat(40)}!\n${token}\n`);
    const config = parseConfig(
      `[extend]\nuseDefault = true\n[[rules]]\nid = "redos"\nregex = '''(a+)+$'''\nkeywords = ["aaaa"]\n`,
      "user.toml",
    );
    const r = await scan(
      { kind: "tree", path: d },
      { config, timeBudgetMs: 300 },
    );
    expect(r.timeouts).toEqual([
      expect.objectContaining({ path: "a.txt", ruleId: "redos" }),
    ]);
    expect(r.findings.map((f) => f.ruleId)).toEqual(["github-pat"]);
  });
});

describe("scanSecrets on git", () => {
  it("--staged scans only the added lines of the index, with file line numbers", async () => {
    const d = repo();
    writeFileSync(join(d, "old.ts"), `const t = "${stripe}";\n`);
    git(d, "add", ".");
    git(d, "commit", "-q", "-m", "old");
    writeFileSync(join(d, "new.ts"), `line 1\nline 2\nconst t = "${token}";\n`);
    writeFileSync(join(d, "old.ts"), `// changed\nconst t = "${stripe}";\n`);
    git(d, "add", ".");
    const r = await scan({ kind: "staged", path: d });
    expect(
      r.findings.map(
        (f) => `${f.ruleId} ${f.location.path}:${f.location.startLine}`,
      ),
    ).toEqual(["github-pat new.ts:3"]);
  });

  it("history findings name commit, author, email and date, and match working-tree fingerprints", async () => {
    const d = repo();
    writeFileSync(join(d, "a.ts"), `const t = "${token}";\n`);
    git(d, "add", ".");
    git(d, "commit", "-q", "-m", "add token");
    const sha = git(d, "rev-parse", "HEAD").trim();
    const history = await scan({ kind: "history", path: d, revs: ["--all"] });
    expect(history.findings).toHaveLength(1);
    expect(history.findings[0]!.commit).toMatchObject({
      sha,
      author: "Ada",
      email: "ada@example.com",
      message: "add token",
    });
    const tree = await scan({ kind: "tree", path: d });
    expect(tree.findings[0]!.fingerprint).toBe(
      history.findings[0]!.fingerprint,
    );
  });

  it("a baseline survives moved lines and still reports a new secret on the same line", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.ts"), `const t = "${token}";\n`);
    const first = await scan(
      { kind: "tree", path: d },
      { recordBaseline: true },
    );
    const file = join(d, "baseline.json");
    writeFileSync(file, JSON.stringify(first.baseline));
    expect(readFileSyncText(file)).not.toContain(token);
    writeFileSync(
      join(d, "a.ts"),
      `\n\n// moved\nconst t = "${token}";\nconst s = "${stripe}";\n`,
    );
    const second = await scan(
      { kind: "tree", path: d },
      { excludePaths: ["baseline.json"], baseline: readBaseline(file) },
    );
    expect(second.accepted.map((f) => f.location.startLine)).toEqual([4]);
    expect(second.findings.map((f) => f.ruleId)).toEqual([
      "stripe-access-token",
    ]);
    expect(second.unusedBaseline).toEqual([]);
  });

  it("salts the baseline and keys the report's hashes: neither is sha256 of the secret (issue 10.8)", async () => {
    const { createHash } = await import("node:crypto");
    const plain = createHash("sha256").update(token).digest("hex");
    const d = tmp();
    writeFileSync(join(d, "a.ts"), `const t = "${token}";\n`);
    const r = await scan({ kind: "tree", path: d }, { recordBaseline: true });
    const hash = r.findings[0]!.properties!.secretHash as string;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(plain);
    expect(r.baseline!.entries[0]!.secretHash).not.toBe(plain);
    expect(r.baseline!.entries[0]!.secretHash).not.toBe(hash);
    // Another key (another machine's $SLUICE_HOME): other report hashes, the same baseline match.
    const other = await scan(
      { kind: "tree", path: d },
      { hashKey: Buffer.from("another key"), baseline: r.baseline! },
    );
    expect(other.accepted[0]!.properties!.secretHash).not.toBe(hash);
    expect(other.accepted[0]!.fingerprint).not.toBe(r.findings[0]!.fingerprint);
    expect(other.findings).toEqual([]);
  });

  it("cuts a rule off once the whole scan is past its budget, naming it (issue 10.8)", async () => {
    const d = tmp();
    // Catastrophic backtracking on every file: without a whole-scan budget each one costs the
    // rule its per-file budget (the worker is stopped and the file scanned again).
    for (const name of ["a.txt", "b.txt", "c.txt", "d.txt"])
      writeFileSync(join(d, name), `slowkey ${"a".repeat(34)}!\n`);
    const config = parseConfig(
      `[[rules]]\nid = "slow"\nregex = 'slowkey (a+)+b'\nkeywords = ["slowkey"]\n`,
      "slow.toml",
    );
    const r = await scan(
      { kind: "tree", path: d },
      { config, timeBudgetMs: 100, scanBudgetMs: 0 },
    );
    expect(r.cutOff).toEqual([{ ruleId: "slow", timeouts: 1 }]);
    expect(r.timeouts.map((t) => t.ruleId)).toEqual(["slow"]);
    expect(r.stats.files).toBe(4);
  });

  it("still matches a version 1 baseline (unsalted fingerprints)", async () => {
    const { createHash } = await import("node:crypto");
    const sha = (t: string) => createHash("sha256").update(t).digest("hex");
    const d = tmp();
    writeFileSync(join(d, "a.ts"), `const t = "${token}";\n`);
    const fingerprint = sha(`github-pat\u0000a.ts\u0000${sha(token)}`).slice(
      0,
      32,
    );
    const r = await scan(
      { kind: "tree", path: d },
      {
        baseline: {
          version: 1,
          tool: "sluice-secrets",
          entries: [
            { fingerprint, ruleId: "github-pat", path: "a.ts", secretHash: "" },
          ],
        },
      },
    );
    expect(r.accepted.map((f) => f.ruleId)).toEqual(["github-pat"]);
    expect(r.findings).toEqual([]);
  });

  it.each([
    [
      '{"version": 3, "tool": "sluice-secrets", "entries": []}',
      /version 3 is not supported/,
    ],
    [
      '{"version": 2, "tool": "sluice-secrets", "entries": []}',
      /needs its "salt"/,
    ],
    ["not json", /not a sluice baseline/],
    ['{"version": 1, "tool": "gitleaks"}', /not a sluice secrets baseline/],
    ['{"version": 1, "tool": "sluice-secrets", "entries": [{}]}', /malformed/],
  ])("refuses the baseline %s", (text, message) => {
    const file = join(tmp(), "b.json");
    writeFileSync(file, text);
    expect(() => readBaseline(file)).toThrow(message);
  });
});

const readFileSyncText = (file: string): string =>
  execFileSync("cat", [file], { encoding: "utf8" });

// gitleaks' own test repository: AWS keys added in several commits and branches.
const small = fileURLToPath(
  new URL(
    "../../../../shared/conformance/gitleaks/testdata/repos/small",
    import.meta.url,
  ),
);

describe.skipIf(!existsSync(small))("gitleaks testdata repos/small", () => {
  it("reproduces gitleaks' findings: every added AWS key with its commit, author and date", async () => {
    const d = join(tmp(), "small");
    cpSync(small, d, { recursive: true });
    // The fixture is read-only; make the copy writable for git.
    const chmod = (p: string) => {
      chmodSync(p, 0o755);
      if (statSync(p).isDirectory())
        for (const e of readdirSync(p)) chmod(join(p, e));
    };
    chmod(d);
    renameSync(join(d, "dotGit"), join(d, ".git"));
    const r = await scan({ kind: "history", path: d, revs: ["--all"] });
    const got = r.findings.map(
      (f) =>
        `${f.commit!.sha.slice(0, 7)} ${f.location.path}:${f.location.startLine} ${f.ruleId} ${f.commit!.author}`,
    );
    // gitleaks `git` mode on this repo (its detect tests): these four leaks, before its
    // positional .gitleaksignore (sluice uses content baselines instead, see the ADR).
    expect(got.sort()).toEqual([
      "1b6da43 main.go:20 aws-access-token Zachary Rice",
      "491504d foo/foo.go:9 aws-access-token Zach Rice",
      "53cd7a3 api/ignoreCommit.go:20 aws-access-token Richard Gomez",
      "53cd7a3 api/ignoreGlobal.go:20 aws-access-token Richard Gomez",
    ]);
    for (const f of r.findings)
      expect(f.commit!.date).toMatch(/^20\d\d-\d\d-\d\dT/);
    console.log(
      `gitleaks repos/small: ${r.findings.length} history findings reproduced`,
    );
  });
});
