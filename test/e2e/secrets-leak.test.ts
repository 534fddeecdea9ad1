import { randomBytes, randomInt } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freshPostgresUrl } from "../support/databases.js";
import { beforeAll, describe, expect, it } from "vitest";
import { homeForTest } from "../support/local-server.js";
import { assertBuilt, bin, gitRepo } from "./cli.js";
import { filesContaining } from "./secrets-cli.js";

// Values made at run time, with characters that JSON, URLs and base64 each encode differently.
const token = `tok/${randomBytes(6).toString("hex")}+"q&=z`;
const pemLine = `KEYDATA${randomBytes(8).toString("hex")}`;
const pem = `-----BEGIN TEST KEY-----\n${pemLine}\n-----END TEST KEY-----`;
// Undeclared credentials, built from pieces so that no file here holds one whole.
const pick = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join(
    "",
  );
const awsTail = pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
const awsSecret = pick(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
  40,
);
const ghTail = pick(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  36,
);

/** Every form of a value the test looks for afterwards. */
function forms(value: string): string[] {
  return [
    value,
    Buffer.from(value).toString("base64").replace(/=+$/, ""),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

beforeAll(assertBuilt);

const pgUrl = process.env.SLUICE_TEST_DATABASE_URL;
const pgDump = "/usr/lib/postgresql/15/bin/pg_dump";

/**
 * Sets two secrets, runs a pipeline whose `deploy` job prints them every way, and checks the
 * step logs, `sluice logs`, the terminal and every file under SLUICE_HOME for each value and its
 * encodings.
 */
function leakyRun(extraEnv: Record<string, string> = {}) {
  const home = homeForTest("sluice-leak-");
  const env = {
    ...process.env,
    NO_COLOR: "1",
    SLUICE_HOME: home,
    SLUICE_ACTOR: "ada",
    ...extraEnv,
  };
  const cli = (cwd: string, args: string[], input = "") =>
    spawnSync(process.execPath, [bin, ...args], {
      cwd,
      env,
      input,
      encoding: "utf8",
    });
  const repo = gitRepo({
    "sluice.yml": `name: leaky
jobs:
  plain:
    steps:
      - run: |
          if env | grep -q -e DEPLOY_TOKEN -e CERT_PEM -e KEYDATA; then echo LEAKED; exit 1; fi
          echo clean
  deploy:
    environment: production
    secrets: [DEPLOY_TOKEN, { name: CERT_PEM, file: true }]
    steps:
      - run: |
          echo "raw $DEPLOY_TOKEN"
          printf '%s' "$DEPLOY_TOKEN" | base64
          node -e 'console.log(encodeURIComponent(process.env.DEPLOY_TOKEN))'
          node -e 'console.log(JSON.stringify({ token: process.env.DEPLOY_TOKEN }))'
          printf 'split %s' "\${DEPLOY_TOKEN:0:7}"; sleep 1; printf '%s\\n' "\${DEPLOY_TOKEN:7}"
          test "$(stat -c %a "$CERT_PEM")" = 600
          cat "$CERT_PEM"; echo
          printf 'aws_access_key_id = %s%s\\n' AK 'IA${awsTail}'
          printf 'aws_secret_access_key = %s%s\\n' '${awsSecret.slice(0, 20)}' '${awsSecret.slice(20)}'
          printf 'token %s%s\\n' gh 'p_${ghTail}'
          echo "file at $CERT_PEM"
`,
  });
  expect(
    cli(repo, ["secrets", "set", "DEPLOY_TOKEN", "--env", "production"], token)
      .status,
  ).toBe(0);
  expect(cli(repo, ["secrets", "set", "CERT_PEM"], pem).status).toBe(0);

  const run = cli(repo, ["run", "--json"]);
  const terminal = run.stdout + run.stderr;
  expect(run.status, terminal).toBe(0);
  const detail = JSON.parse(run.stdout) as {
    id: string;
    jobs: { key: string; steps: { logPath: string }[] }[];
    findings: {
      tool: string;
      ruleId: string;
      message: string;
      location: { path: string; startLine: number };
      properties: Record<string, unknown>;
    }[];
  };
  const logOf = (key: string) =>
    readFileSync(
      detail.jobs.find((j) => j.key === key)!.steps[0]!.logPath,
      "utf8",
    );
  expect(logOf("plain")).toBe("clean\n");
  const deployLog = logOf("deploy");
  expect(deployLog).toContain("raw ***\n");
  expect(deployLog).toContain("split ***\n");
  expect(deployLog).toContain("aws_access_key_id = ***\n");
  expect(deployLog).toContain("aws_secret_access_key = ***\n");
  expect(deployLog).toContain("token ***\n");
  // The undeclared credentials are findings of the run: the rule, the step and its log line.
  const lineOf = (text: string) =>
    deployLog.split("\n").findIndex((line) => line === text) + 1;
  const inLog = detail.findings
    .filter((f) => f.properties.kind === "secret in log")
    .map((f) => [f.ruleId, f.location.path, f.location.startLine]);
  expect(inLog).toEqual([
    ["aws-access-token", "deploy/0.log", lineOf("aws_access_key_id = ***")],
    [
      "aws-secret-access-key",
      "deploy/0.log",
      lineOf("aws_secret_access_key = ***"),
    ],
    ["github-pat", "deploy/0.log", lineOf("token ***")],
  ]);
  expect(lineOf("token ***")).toBeGreaterThan(1);
  for (const f of detail.findings) expect(f.properties.step).toBeTruthy();
  // `sluice run show` lists them as it lists the scanner's findings.
  const shown = cli(repo, ["run", "show", detail.id]).stdout;
  expect(shown).toMatch(
    new RegExp(
      `github-pat\\s+deploy/0\\.log:${lineOf("token ***")}\\s+secret in log`,
    ),
  );
  const filePath = /file at (\S+)/.exec(deployLog)?.[1] ?? "";
  expect(filePath).not.toBe("");
  // The file is gone once the job ends.
  expect(() => readFileSync(filePath)).toThrow();

  const logs = cli(repo, ["logs", detail.id]);
  const showJson = cli(repo, ["run", "show", detail.id, "--json"]).stdout;
  for (const needle of needles) {
    expect(shown + showJson, needle).not.toContain(needle);
    expect(terminal, needle).not.toContain(needle);
    expect(logs.stdout + logs.stderr, needle).not.toContain(needle);
    expect(deployLog, needle).not.toContain(needle);
    // Log files, the PGlite folder, the key file's folder: nothing under SLUICE_HOME holds it.
    expect(filesContaining(home, needle), needle).toEqual([]);
  }

  // Each read is audited with its run.
  const audit = cli(repo, ["secrets", "audit"]);
  expect(audit.stdout).toMatch(
    new RegExp(
      `read\\tDEPLOY_TOKEN v1\\tenv production\\t.*\\trun ${detail.id}`,
    ),
  );
  expect(audit.stdout).toMatch(
    new RegExp(`read\\tCERT_PEM v1\\tproject-wide\\t.*\\trun ${detail.id}`),
  );
}

const needles = [
  ...forms(token),
  ...forms(pemLine),
  `AKIA${awsTail}`,
  awsSecret,
  `ghp_${ghTail}`,
];

describe("secrets given to a job never leak (built CLI)", () => {
  it("only the naming job receives them; raw, base64, URL, JSON and split prints are masked everywhere", () => {
    leakyRun();
  }, 300_000);

  it.skipIf(!pgUrl || !existsSync(pgDump))(
    "on Postgres too: a pg_dump of the database holds none of the values",
    async () => {
      const url = await freshPostgresUrl(pgUrl!);
      leakyRun({ SLUICE_DATABASE_URL: url });
      const dump = execFileSync(pgDump, [url], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      expect(dump).toContain("BEGIN AGE ENCRYPTED FILE");
      for (const needle of needles) expect(dump, needle).not.toContain(needle);
    },
    300_000,
  );

  it("a job naming a missing secret fails before any step, with the name and the environment", () => {
    const home = homeForTest("sluice-leak-");
    const env = { ...process.env, NO_COLOR: "1", SLUICE_HOME: home };
    const repo = gitRepo({
      "sluice.yml": `name: missing
jobs:
  deploy:
    environment: staging
    secrets: [NOT_THERE]
    steps:
      - run: touch step-ran
`,
    });
    const run = spawnSync(process.execPath, [bin, "run", "--json"], {
      cwd: repo,
      env,
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    const detail = JSON.parse(run.stdout) as {
      status: string;
      jobs: { status: string; error?: string; steps: { status: string }[] }[];
    };
    expect(detail.status).toBe("failure");
    expect(JSON.stringify(detail.jobs[0])).toContain(
      "secret NOT_THERE is not set for project missing, environment staging (nor project-wide)",
    );
    expect(detail.jobs[0]!.steps.map((s) => s.status)).toEqual(["skipped"]);
    expect(() =>
      execFileSync("test", ["-e", join(repo, "step-ran")]),
    ).toThrow();
  }, 300_000);
});
