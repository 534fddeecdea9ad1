// Pre-commit latency: `sluice scan secrets --staged` on a typical staged change (10 files: 6
// edited, 4 new, one with a secret) in a generated 5,000-file repository; the whole process
// (`node bin/sluice.js`), as the git hook runs it. Needs `npm run build`.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/sluice.js", import.meta.url));
const repo = mkdtempSync(join(tmpdir(), "sluice-bench-staged-"));
const git = (...args: string[]) =>
  execFileSync(
    "git",
    [
      "-c",
      "user.name=Bench",
      "-c",
      "user.email=bench@example.com",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    {
      cwd: repo,
      stdio: "pipe",
    },
  );

const moduleText = (i: number) =>
  [
    `import { helper${i % 50} } from "../lib/helper${i % 50}.js";`,
    "",
    `/** Handler number ${i}. */`,
    `export function handler${i}(input: string): string {`,
    `  const key = process.env.API_KEY_${i} ?? "";`,
    `  return helper${i % 50}(input, key) + ${JSON.stringify("x".repeat(i % 40))};`,
    "}",
    "",
  ].join("\n");

try {
  git("init", "-q", "-b", "main");
  for (let d = 0; d < 50; d++) {
    const dir = join(repo, "src", `module${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++)
      writeFileSync(join(dir, `file${f}.ts`), moduleText(d * 100 + f));
  }
  git("add", ".");
  git("commit", "-q", "-m", "5,000 files");
  // The staged change: 6 edited files and 4 new ones, one of them with a secret.
  for (let f = 0; f < 6; f++)
    writeFileSync(
      join(repo, "src", `module${f}`, "file1.ts"),
      `${moduleText(f)}\nexport const edited${f} = true;\n`,
    );
  for (let f = 0; f < 4; f++)
    writeFileSync(
      join(repo, "src", "module0", `new${f}.ts`),
      moduleText(9000 + f),
    );
  writeFileSync(
    join(repo, "src", "module0", "new3.ts"),
    `${moduleText(9003)}\nconst token = "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";\n`,
  );
  git("add", ".");

  const runs: number[] = [];
  // CPU time of the whole process (user + system, through /usr/bin/time when present): on a
  // machine shared with other work it is the stable figure; wall time is what a user waits.
  const cpuRuns: number[] = [];
  const timeFile = join(repo, ".git", "bench-time");
  const useTime = existsSync("/usr/bin/time");
  let status: number | null = null;
  let found = "";
  for (let i = 0; i < 7; i++) {
    const args = [bin, "scan", "secrets", "--staged", "--format", "json"];
    const start = performance.now();
    const r = useTime
      ? spawnSync(
          "/usr/bin/time",
          ["-f", "%U %S", "-o", timeFile, process.execPath, ...args],
          { cwd: repo, encoding: "utf8" },
        )
      : spawnSync(process.execPath, args, { cwd: repo, encoding: "utf8" });
    runs.push(performance.now() - start);
    if (useTime) {
      const [user, sys] = readFileSync(timeFile, "utf8")
        .trim()
        .split("\n")
        .pop()!
        .split(" ")
        .map(Number);
      cpuRuns.push(((user ?? 0) + (sys ?? 0)) * 1000);
    }
    status = r.status;
    found = (
      JSON.parse(r.stdout) as { findings: { ruleId: string }[] }
    ).findings
      .map((f) => f.ruleId)
      .join(",");
  }
  // The first run warms the file cache; report the median of the rest.
  const warm = runs.slice(1).sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)]!;
  const cpuWarm = cpuRuns.slice(1).sort((a, b) => a - b);
  const cpuMedian =
    cpuWarm.length > 0 ? cpuWarm[Math.floor(cpuWarm.length / 2)]! : undefined;
  const nodeStart = performance.now();
  spawnSync(process.execPath, ["-e", "0"]);
  const bareNode = performance.now() - nodeStart;
  console.log(
    `repo: 5,000 files, staged change: 10 files (1 secret); load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    `sluice scan secrets --staged: median ${median.toFixed(0)} ms (min ${warm[0]!.toFixed(0)}, max ${warm.at(-1)!.toFixed(0)}) over ${warm.length} runs; exit ${status}; findings: ${found}`,
  );
  console.log(
    `CPU time (user + system) per scan: median ${cpuMedian === undefined ? "n/a" : cpuMedian.toFixed(0)} ms`,
  );
  console.log(
    `bare \`node -e 0\` on this machine: ${bareNode.toFixed(0)} ms (target for the scan: < 250 ms)`,
  );
  console.log(
    JSON.stringify({
      bench: "scan-staged",
      files: 5000,
      stagedFiles: 10,
      medianMs: Math.round(median),
      minMs: Math.round(warm[0]!),
      maxMs: Math.round(warm.at(-1)!),
      cpuMedianMs: cpuMedian === undefined ? null : Math.round(cpuMedian),
      exitCode: status,
      findings: found,
      bareNodeMs: Math.round(bareNode),
      loadAverage: Number(loadavg()[0]!.toFixed(2)),
    }),
  );
} finally {
  rmSync(repo, { recursive: true, force: true });
}
