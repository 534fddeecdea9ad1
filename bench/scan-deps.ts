// Dependency scanning, whole process: a generated 3,000-package package-lock.json against an
// advisory store of 50,000 OSV records shaped like the GHSA samples (imported once from an OSV
// all.zip export), timed as `node bin/sluice.js scan deps DIR --format json`. Target < 1 s.
// Timed twice: as a user runs it (the embedded store's advisory file, ADR 042), and with the file
// set aside, so the database is started and queried.
// Peer: osv-scanner is not installable here and `npm audit` is refused by the registry proxy
// (405 on the bulk advisory endpoint), so no peer figure can be measured on this machine.
// Needs `npm run build`.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  findLockfiles,
  matchPackages,
  packageKeys,
  readLockfiles,
} from "../src/scan/deps/index.js";
import { writeZip } from "../src/scan/deps/zip.testkit.js";
import { systemClock } from "../src/kernel/index.js";
import { openDatabase } from "../src/store/open.js";
import { createScanStore } from "../src/scan/store.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "sluice.js");
const packages = 3_000;
const records = 50_000;
/** Records that name a package of the lockfile; a third of them affect the locked version. */
const matchingRecords = 600;
const runs = 5;

if (!existsSync(join(root, "dist", "cli", "main.js"))) {
  console.error("bench/scan-deps: dist/ is missing; run `npm run build` first");
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "sluice-bench-deps-"));
const home = join(work, "home");
const project = join(work, "project");
mkdirSync(project);

// A lockfile v3 with 3,000 packages: most top-level, some nested under another package.
const name = (i: number) =>
  i % 10 === 0 ? `@scope${i % 7}/pkg-${i}` : `pkg-${i}`;
const version = (i: number) => `${1 + (i % 5)}.${i % 13}.${i % 7}`;
const lockPackages: Record<string, unknown> = {
  "": {
    name: "bench-app",
    version: "1.0.0",
    dependencies: Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [name(i), `^${version(i)}`]),
    ),
  },
};
for (let i = 0; i < packages; i++) {
  const nested = i % 9 === 0 && i > 0;
  const key = nested
    ? `node_modules/${name(i - 1)}/node_modules/${name(i)}`
    : `node_modules/${name(i)}`;
  lockPackages[key] = {
    version: version(i),
    resolved: `https://registry.npmjs.org/${name(i)}/-/${name(i).split("/").pop()}-${version(i)}.tgz`,
    integrity:
      "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
    ...(i % 4 === 0 ? { dev: true } : {}),
    dependencies: {
      [name((i + 1) % packages)]: `^${version((i + 1) % packages)}`,
    },
  };
}
writeFileSync(
  join(project, "package-lock.json"),
  JSON.stringify(
    {
      name: "bench-app",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: lockPackages,
    },
    null,
    2,
  ),
);

// 50,000 records in the GHSA samples' shape (aliases, CVSS v3 vector, ECOSYSTEM ranges, details).
const vectors = [
  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H",
  "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L",
  "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
];
const files: { name: string; data: string }[] = [];
for (let r = 0; r < records; r++) {
  const id = `GHSA-${r.toString(36).padStart(4, "0")}-bnch-${(r * 7919).toString(36).slice(-4).padStart(4, "0")}`;
  const matching = r < matchingRecords;
  const target = matching ? (r * 5) % packages : r;
  const pkgName = matching ? name(target) : `lib-${r}`;
  const affectsLocked = matching && r % 3 === 0;
  const fixed = affectsLocked ? `${6 + (r % 3)}.0.0` : "0.0.1";
  const record = {
    schema_version: "1.4.0",
    id,
    modified: "2024-05-01T00:00:00Z",
    published: "2021-02-15T00:00:00Z",
    aliases: [`CVE-2021-${10000 + r}`],
    summary: `Prototype pollution in ${pkgName}`,
    details:
      `Versions of \`${pkgName}\` before ${fixed} are vulnerable to prototype pollution. `.repeat(
        6,
      ),
    severity: [{ type: "CVSS_V3", score: vectors[r % vectors.length] }],
    affected: [
      {
        package: { ecosystem: "npm", name: pkgName },
        ranges: [
          { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] },
        ],
        database_specific: {
          source: `https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/2021/02/${id}/${id}.json`,
        },
      },
    ],
    references: [
      {
        type: "ADVISORY",
        url: `https://nvd.nist.gov/vuln/detail/CVE-2021-${10000 + r}`,
      },
      { type: "PACKAGE", url: `https://github.com/example/${pkgName}` },
    ],
    database_specific: {
      cwe_ids: ["CWE-1321"],
      severity: "HIGH",
      github_reviewed: true,
      github_reviewed_at: "2021-02-15T00:00:00Z",
      nvd_published_at: null,
    },
  };
  files.push({ name: `${id}.json`, data: JSON.stringify(record, null, 2) });
}
const zipPath = join(work, "all.zip");
writeFileSync(zipPath, writeZip(files));
const expectedFindings = Math.ceil(matchingRecords / 3);

const env = { ...process.env, SLUICE_HOME: home, SLUICE_DATABASE_URL: "" };
function timed(args: string[]): {
  seconds: number;
  stdout: string;
  status: number | null;
  stderr: string;
} {
  const start = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    env,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return {
    seconds: (performance.now() - start) / 1000,
    stdout: r.stdout,
    status: r.status,
    stderr: r.stderr,
  };
}

const imported = timed(["advisories", "import", zipPath]);
if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
const times: number[] = [];
let findings = 0;
timed(["scan", "deps", project, "--format", "json"]); // warm the file cache
for (let i = 0; i < runs; i++) {
  const r = timed(["scan", "deps", project, "--format", "json"]);
  if (r.status !== 1) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
  findings = (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
  times.push(r.seconds);
}
// The same scan without the advisory file: the store is asked (ADR 042); since issue 14 the
// home's local server writes the file again from it, and the scan reads that.
const advisoryFile = join(home, "advisories.idx");
if (!existsSync(advisoryFile))
  throw new Error("the import wrote no advisory file");
renameSync(advisoryFile, `${advisoryFile}.aside`);
const fromDatabase: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = timed(["scan", "deps", project, "--format", "json"]);
  if (r.status !== 1) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
  const n = (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
  if (n !== findings) throw new Error(`${n} findings from the database`);
  fromDatabase.push(r.seconds);
}
renameSync(`${advisoryFile}.aside`, advisoryFile);
fromDatabase.sort((a, b) => a - b);
const databaseMedian = fromDatabase[Math.floor(fromDatabase.length / 2)]!;
const startup = timed(["advisories", "status"]).seconds;

// Where the time goes, in one process: open the store, read the lockfile, query, match. The
// advisories commands went through the home's local server (issue 14), which holds the embedded
// store: stop it first.
timed(["server", "stop"]);
const clockMs = () => performance.now();
let mark = clockMs();
const database = await openDatabase({
  kind: "pglite",
  dataDir: join(home, "db"),
});
const openMs = clockMs() - mark;
mark = clockMs();
const lockfiles = readLockfiles(project, findLockfiles(project));
const parseMs = clockMs() - mark;
mark = clockMs();
const store = createScanStore(database, { clock: systemClock });
const snapshot = await store.currentSnapshot();
const candidates = await store.recordsFor(packageKeys(lockfiles));
const queryMs = clockMs() - mark;
mark = clockMs();
const matched = matchPackages(lockfiles, candidates, snapshot?.id);
const matchMs = clockMs() - mark;
await database.close();
const cliStart = timed(["--version"]).seconds;
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const best = times[0]!;

console.log(
  `lockfile: ${packages} packages; advisory store: ${records} OSV records (zip ${(files.reduce((n, f) => n + f.data.length, 0) / 1e6).toFixed(0)} MB uncompressed)`,
);
console.log(
  `import once:                         ${imported.seconds.toFixed(1)} s`,
);
console.log(
  `sluice scan deps (whole process):    median ${median.toFixed(2)} s, best ${best.toFixed(2)} s over ${runs} runs   target < 1 s   peer (osv-scanner / npm audit): not measurable here`,
);
console.log(
  `  without the advisory file (the store asked for it): median ${databaseMedian.toFixed(2)} s`,
);
console.log(
  `  process start + store open: ${startup.toFixed(2)} s (sluice advisories status); node + CLI alone: ${cliStart.toFixed(2)} s`,
);
console.log(
  `  in one process: store open ${openMs.toFixed(0)} ms, lockfile parse ${parseMs.toFixed(0)} ms, indexed query ${queryMs.toFixed(0)} ms (${candidates.length} records), match ${matchMs.toFixed(0)} ms (${matched.length} findings)`,
);
console.log(`findings: ${findings} (expected ${expectedFindings})`);
console.log(
  JSON.stringify({
    bench: "scan-deps",
    packages,
    records,
    importSeconds: Number(imported.seconds.toFixed(2)),
    scanMedianSeconds: Number(median.toFixed(3)),
    scanBestSeconds: Number(best.toFixed(3)),
    scanFromDatabaseMedianSeconds: Number(databaseMedian.toFixed(3)),
    storeOpenSeconds: Number(startup.toFixed(3)),
    cliStartSeconds: Number(cliStart.toFixed(3)),
    inProcessMs: {
      open: Math.round(openMs),
      parse: Math.round(parseMs),
      query: Math.round(queryMs),
      match: Math.round(matchMs),
    },
    targetSeconds: 1,
    findings,
    expectedFindings,
    peer: null,
  }),
);
if (process.env.SLUICE_BENCH_KEEP) console.error(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
if (findings !== expectedFindings) process.exitCode = 1;
