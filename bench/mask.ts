// Step log masking throughput: the masking stream with 100 registered secrets plus the secret
// scanner's provider rules (undeclared credentials), against the masker alone (100 secrets, no
// rules) and `cat`, over the same log file in one run. The log is ~64 MB of build and test output
// with a few credentials in it. Also the whole step log (decoder, masking stream, file, findings).
// Target (issue 13): >= 50 MB/s on one core with the rules.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Masker, MaskingStream } from "../src/pipeline/index.js";
import { createLogSinkFactory } from "../src/pipeline/logs/step-log.js";
import type { LogFinding } from "../src/pipeline/logs/step-log.js";
import { secrets as scanSecrets } from "../src/scan/index.js";

const targetMBps = 50;
const logMB = 64;
const chunkBytes = 64 * 1024;

/** A deterministic pseudo-random source (the log is the same every run). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const random = prng(13);
const pick = <T>(list: readonly T[]): T =>
  list[Math.floor(random() * list.length)]!;
const word = (alphabet: string, n: number) =>
  Array.from(
    { length: n },
    () => alphabet[Math.floor(random() * alphabet.length)],
  ).join("");
const hex = (n: number) => word("0123456789abcdef", n);
const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Lines of a build and test log: compiler, tests, npm, docker, timestamps and hashes. */
function logLine(n: number): string {
  const ts = `2026-12-06T21:${String(n % 60).padStart(2, "0")}:${String((n * 7) % 60).padStart(2, "0")}.${String(n % 1000).padStart(3, "0")}Z`;
  switch (n % 12) {
    case 0:
      return `${ts} [build] compiling src/${pick(["api", "core", "web", "db"])}/${pick(["handler", "store", "router", "cache"])}${n % 97}.ts`;
    case 1:
      return `  ✓ ${pick(["renders", "parses", "rejects", "stores"])} the ${pick(["empty", "long", "nested", "unicode"])} case (${n % 300} ms)`;
    case 2:
      return `npm http fetch GET 200 https://registry.npmjs.org/${pick(["react", "lodash", "zod", "pg", "vitest"])}/-/pkg-${n % 9}.${n % 13}.${n % 5}.tgz ${n % 400}ms (cache miss)`;
    case 3:
      return `#${n % 30} [${pick(["builder", "runtime"])} ${n % 9}/12] RUN npm ci --omit=dev  sha256:${hex(64)}`;
    case 4:
      return `${ts} INFO  request id=${hex(16)} method=${pick(["GET", "POST"])} path=/api/v1/items/${n} status=200 duration=${n % 90}ms`;
    case 5:
      return `    at Object.<anonymous> (/home/runner/work/app/node_modules/${pick(["jest-circus", "vitest", "tsx"])}/dist/index.js:${n % 900}:${n % 40})`;
    case 6:
      return `cache key: node-modules-${hex(40)} restored from ${pick(["local", "remote"])} (${(n % 500) / 10} MB)`;
    case 7:
      return `warning: unused variable \`tmp_${n % 50}\` --> src/lib.rs:${n % 700}:${n % 30}`;
    case 8:
      return `${ts} DEBUG pool size=${n % 16} idle=${n % 7} waiting=0 token_ttl=3600 key_id=${n % 100}`;
    case 9:
      return `Downloading ${pick(["golang.org/x/net", "github.com/spf13/cobra", "gopkg.in/yaml.v3"])} v0.${n % 30}.${n % 10} (${hex(12)})`;
    case 10:
      return `PASS test/${pick(["unit", "e2e"])}/${pick(["auth", "billing", "search"])}.test.ts (${(n % 50) / 10} s)`;
    default:
      return `[${n}/${n + 100}] ${pick(["CC", "LD", "AR"])} obj/${hex(8)}.o -O2 -Wall -DNDEBUG -fPIC`;
  }
}

/** The credentials the log holds: undeclared ones the rules find, and declared ones. */
function credentialLine(n: number, secrets: string[]): string {
  switch (n % 4) {
    case 0:
      return `aws_access_key_id = AKIA${word(upper, 16)}`;
    case 1:
      return `remote: using token ghp_${word(alnum, 36)}`;
    case 2:
      return `aws_secret_access_key = ${word(`${alnum}/+`, 40)}`;
    default:
      return `export DB_URL=postgres://app:${pick(secrets)}@db:5432/app`;
  }
}

const work = mkdtempSync(join(tmpdir(), "sluice-bench-mask-"));
try {
  const secrets = Array.from({ length: 100 }, () =>
    randomBytes(18).toString("base64url"),
  );
  const file = join(work, "step.log");
  const parts: string[] = [];
  let size = 0;
  let n = 0;
  let planted = 0;
  while (size < logMB * 1e6) {
    // A credential every ~200 000 lines: a few per log, as in a real one.
    const line =
      n % 200_000 === 199_999 ? credentialLine(planted++, secrets) : logLine(n);
    parts.push(line, "\n");
    size += Buffer.byteLength(line) + 1;
    n++;
  }
  writeFileSync(file, parts.join(""));
  parts.length = 0;
  const bytes = statSync(file).size;
  const mb = bytes / 1e6;

  /** Reads the file in 64 KiB chunks as a step's pipe delivers them. */
  const chunks = (each: (chunk: Buffer) => void) => {
    const fd = openSync(file, "r");
    const buffer = Buffer.alloc(chunkBytes);
    try {
      for (;;) {
        const got = readSync(fd, buffer, 0, chunkBytes, null);
        if (got === 0) break;
        each(buffer.subarray(0, got));
      }
    } finally {
      closeSync(fd);
    }
  };

  /** Wall and CPU seconds of `run` (this process; one thread). */
  const timed = (run: () => void) => {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    run();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };

  const maskerWith = (detect: boolean) => {
    const masker = detect
      ? new Masker({
          credentials: scanSecrets.createCredentialFinder({
            hashKey: () => Buffer.from("bench key"),
          }),
        })
      : new Masker();
    for (const secret of secrets) masker.add(secret);
    return masker;
  };

  /** The masking stream alone: decoder and stream, output counted and dropped. */
  const streamRun = (masker: Masker) => {
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const stream = new MaskingStream(masker, true);
    let masked = 0;
    let out = 0;
    const result = timed(() => {
      chunks((chunk) => {
        const text = stream.push(decoder.decode(chunk, { stream: true }));
        masked += stream.maskedCredentials.length;
        out += text.length;
      });
      out += stream.push(decoder.decode()).length + stream.flush().length;
      masked += stream.maskedCredentials.length;
    });
    return { ...result, masked, out };
  };

  // `cat` over the same file, its output dropped: the floor any log pipe pays.
  const catStart = performance.now();
  const cat = spawnSync("sh", ["-c", `cat "$0" > /dev/null`, file]);
  const catSeconds = (performance.now() - catStart) / 1000;
  if (cat.status !== 0) throw new Error(`cat exited ${cat.status}`);

  // A warm-up pass compiles the rules and warms the JIT, as a long-lived runner is.
  streamRun(maskerWith(true));
  const alone = streamRun(maskerWith(false));
  const detect = streamRun(maskerWith(true));

  // The whole step log as a run writes it: decoder, masking stream, file, live lines, findings.
  const found: LogFinding[] = [];
  const sink = createLogSinkFactory({
    home: work,
    masker: maskerWith(true),
    findings: { record: async (_step, f) => void found.push(...f) },
  });
  const log = sink.open({
    runId: "bench",
    jobKey: "build",
    position: 0,
    name: "log",
  });
  const stepLog = timed(() =>
    chunks((chunk) => log.write("stdout", Buffer.from(chunk))),
  );
  const closeStart = performance.now();
  await log.close({ status: "success" });
  stepLog.seconds += (performance.now() - closeStart) / 1000;
  const loggedMB = statSync(log.path).size / 1e6;

  const rate = (seconds: number) => Number((mb / seconds).toFixed(1));
  const undeclared = planted - Math.floor((planted + 1) / 4);
  console.log(
    `log: ${mb.toFixed(1)} MB, ${n} lines, ${planted} credential lines (${undeclared} undeclared), 100 registered secrets, ${chunkBytes / 1024} KiB chunks`,
  );
  console.log(
    `cat:                         ${rate(catSeconds)} MB/s (${catSeconds.toFixed(3)} s)`,
  );
  console.log(
    `masker alone (100 secrets):  ${rate(alone.seconds)} MB/s (${alone.cpuSeconds.toFixed(2)} s CPU)`,
  );
  console.log(
    `masker + detection rules:    ${rate(detect.seconds)} MB/s (${detect.cpuSeconds.toFixed(2)} s CPU), ${detect.masked} undeclared credentials masked`,
  );
  console.log(
    `whole step log (file, lines, findings): ${rate(stepLog.seconds)} MB/s, ${found.length} findings, ${loggedMB.toFixed(1)} MB written`,
  );
  console.log(
    `target: >= ${targetMBps} MB/s on one core with detection: ${rate(detect.seconds) >= targetMBps ? "met" : "NOT met"}; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    JSON.stringify({
      bench: "mask",
      logMB: Number(mb.toFixed(1)),
      lines: n,
      registeredSecrets: secrets.length,
      credentialLines: planted,
      loadAverage: Number(loadavg()[0]!.toFixed(2)),
      catMBps: rate(catSeconds),
      maskerMBps: rate(alone.seconds),
      maskerCpuSeconds: Number(alone.cpuSeconds.toFixed(3)),
      detectMBps: rate(detect.seconds),
      detectCpuSeconds: Number(detect.cpuSeconds.toFixed(3)),
      detectMBperCpuSecond: Number((mb / detect.cpuSeconds).toFixed(1)),
      detectMasked: detect.masked,
      stepLogMBps: rate(stepLog.seconds),
      stepLogFindings: found.length,
      targetMBps,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
