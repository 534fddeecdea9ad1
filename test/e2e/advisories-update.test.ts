import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeZip } from "../../src/scan/deps/zip.testkit.js";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, exited, startSluice } from "./cli.js";

/** One small advisory (a real OSV record's shape), so the test needs nothing from ../shared. */
function advisory(id: string, fixed: string) {
  return {
    schema_version: "1.6.0",
    id,
    modified: "2025-01-01T00:00:00Z",
    summary: `prototype pollution in lodash (${id})`,
    affected: [
      {
        package: { ecosystem: "npm", name: "lodash" },
        ranges: [
          {
            type: "SEMVER",
            events: [{ introduced: "0" }, { fixed }],
          },
        ],
      },
    ],
  };
}

/** A zip large enough that cutting it in half is a real partial download. */
function exportZip(id: string): Buffer {
  const filler = Array.from({ length: 200 }, (_, i) => ({
    name: `PAD-${i}.json`,
    // Incompressible text, so the archive has some size; not valid OSV (skipped and counted).
    data: createHash("sha512").update(`${id}${i}`).digest("hex").repeat(8),
  }));
  return writeZip([
    { name: `${id}.json`, data: JSON.stringify(advisory(id, "4.17.19")) },
    ...filler,
  ]);
}

interface Served {
  body: Buffer;
  etag: string;
}

/** The OSV bucket's layout on a loopback server: GET /<ecosystem>/all.zip, with Range and If-Range. */
class Bucket {
  server!: Server;
  files = new Map<string, Served>();
  requests: { path: string; headers: IncomingHttpHeaders; sent: number }[] = [];
  /** Cut the next full response after this many bytes (the connection dies). */
  cutNextAt: number | undefined;

  put(ecosystem: string, body: Buffer): void {
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    this.files.set(`/${encodeURIComponent(ecosystem)}/all.zip`, { body, etag });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const file = this.files.get(req.url ?? "");
      const log = { path: req.url ?? "", headers: req.headers, sent: 0 };
      this.requests.push(log);
      if (!file) {
        res.writeHead(404).end("no such object");
        return;
      }
      const md5 = createHash("md5").update(file.body).digest("base64");
      const common = {
        etag: file.etag,
        "x-goog-hash": `crc32c=AAAAAA==,md5=${md5}`,
        "content-type": "application/zip",
      };
      if (req.headers["if-none-match"] === file.etag) {
        res.writeHead(304, common).end();
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      const ifRange = req.headers["if-range"];
      if (range && (!ifRange || ifRange === file.etag)) {
        const from = Number(range[1]);
        if (from >= file.body.length) {
          res
            .writeHead(416, { "content-range": `bytes */${file.body.length}` })
            .end();
          return;
        }
        const rest = file.body.subarray(from);
        log.sent = rest.length;
        res.writeHead(206, {
          ...common,
          "content-length": rest.length,
          "content-range": `bytes ${from}-${file.body.length - 1}/${file.body.length}`,
        });
        res.end(rest);
        return;
      }
      res.writeHead(200, { ...common, "content-length": file.body.length });
      const cut = this.cutNextAt;
      if (cut !== undefined) {
        this.cutNextAt = undefined;
        log.sent = cut;
        // Half the body, then the connection drops: an interrupted download.
        res.write(file.body.subarray(0, cut), () => res.destroy());
        return;
      }
      log.sent = file.body.length;
      res.end(file.body);
    });
    await new Promise<void>((resolve) =>
      this.server.listen(0, "127.0.0.1", resolve),
    );
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

async function run(cwd: string, env: Record<string, string>, args: string[]) {
  const child = startSluice(cwd, env, args);
  const code = await exited(child);
  // Let the pipes drain after exit.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { code, ...child.output };
}

describe("sluice advisories update (built CLI, against a loopback copy of OSV's bucket)", () => {
  const bucket = new Bucket();
  let url = "";
  const home = mkdtempSync(join(tmpdir(), "sluice-adv-home-"));
  const env = () => ({ SLUICE_HOME: home, SLUICE_DATABASE_URL: "" });
  const empty = mkdtempSync(join(tmpdir(), "sluice-adv-cwd-"));
  const zip = exportZip("GHSA-test-0000-0001");
  const part = join(home, "advisories", "osv", "npm", "all.zip.part");

  beforeAll(async () => {
    assertBuilt();
    bucket.put("npm", zip);
    url = await bucket.start();
  });
  afterAll(async () => {
    await new Promise<void>((r) => bucket.server.close(() => r()));
    // Its commands started the home's local server on demand.
    stopLocalServer(home);
  });

  it("stops cleanly when the connection drops, keeping the partial file", async () => {
    bucket.cutNextAt = Math.floor(zip.length / 2);
    const r = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "npm",
      "--source",
      url,
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("sluice: downloading npm/all.zip");
    expect(r.stderr).toMatch(
      /npm\/all\.zip: the download (was interrupted at \d+|stopped at \d+) of \d+ bytes.*run the command again to resume/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(statSync(part).size).toBe(Math.floor(zip.length / 2));
  });

  it("resumes with a range request for the rest only, checks the whole file and imports it", async () => {
    const before = bucket.requests.length;
    const r = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "NPM",
      "--source",
      url,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const resumed = bucket.requests.slice(before);
    expect(resumed).toHaveLength(1);
    const half = Math.floor(zip.length / 2);
    expect(resumed[0]!.headers.range).toBe(`bytes=${half}-`);
    expect(resumed[0]!.headers["if-range"]).toBe(
      bucket.files.get("/npm/all.zip")!.etag,
    );
    expect(resumed[0]!.sent).toBe(zip.length - half);
    expect(r.stderr).toMatch(/resuming npm\/all\.zip at/);
    expect(r.stdout).toMatch(
      /^imported 1 advisories from .* \(npm\) as snapshot \S+ \(1 in the store\)/,
    );
    expect(existsSync(part)).toBe(false);

    // The snapshot answers a scan.
    const project = mkdtempSync(join(tmpdir(), "sluice-adv-project-"));
    writeFileSync(
      join(project, "package-lock.json"),
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { lodash: "^4" } },
          "node_modules/lodash": { version: "4.17.15" },
        },
      }),
    );
    const scan = await run(project, env(), [
      "scan",
      "deps",
      "--format",
      "json",
    ]);
    expect(scan.code, scan.stderr).toBe(1);
    expect(JSON.parse(scan.stdout).findings[0].ruleId).toBe(
      "GHSA-test-0000-0001",
    );
  });

  it("asks whether the export changed, and downloads and imports nothing when it did not", async () => {
    const before = bucket.requests.length;
    const r = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "npm",
      "--source",
      url,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const asked = bucket.requests.slice(before);
    expect(asked.map((q) => q.headers["if-none-match"])).toEqual([
      bucket.files.get("/npm/all.zip")!.etag,
    ]);
    expect(asked[0]!.sent).toBe(0);
    expect(r.stderr).toMatch(/npm\/all\.zip unchanged since the last update/);
    // And no new snapshot: the current one already holds this very file.
    expect(r.stdout).toMatch(
      /^advisories are up to date: snapshot \S+ already holds npm as http:\/\/127\.0\.0\.1:\d+ serves them/,
    );
  });

  it("starts over when the export changed between the interrupted download and the resume", async () => {
    const changed = exportZip("GHSA-test-0000-0002");
    bucket.put("npm", changed);
    bucket.cutNextAt = 1000;
    const cut = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "npm",
      "--source",
      url,
    ]);
    expect(cut.code).toBe(2);
    // The server's file changes again: the If-Range no longer matches, so it sends the whole file.
    const newer = exportZip("GHSA-test-0000-0003");
    bucket.put("npm", newer);
    const before = bucket.requests.length;
    const r = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "npm",
      "--source",
      url,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const asked = bucket.requests.slice(before);
    expect(asked[0]!.headers.range).toBe("bytes=1000-");
    expect(asked[0]!.sent).toBe(newer.length);
    expect(r.stderr).toMatch(/starting over: the file changed on the server/);
    expect(r.stdout).toMatch(/imported 1 advisories .*\(2 in the store\)/);
  });

  it("downloads the ecosystems of the project here by default, else npm, PyPI, Go, crates.io and Maven", async () => {
    for (const e of ["PyPI", "Go", "crates.io", "Maven"])
      bucket.put(e, exportZip(`GHSA-test-${e.replace(/\W/g, "")}-0001`));
    const project = mkdtempSync(join(tmpdir(), "sluice-adv-detect-"));
    writeFileSync(join(project, "package.json"), '{"dependencies":{"a":"1"}}');
    writeFileSync(join(project, "requirements.txt"), "flask==2.0.0\n");
    let before = bucket.requests.length;
    const detected = await run(project, env(), [
      "advisories",
      "update",
      "--source",
      url,
    ]);
    expect(detected.code, detected.stderr).toBe(0);
    expect(detected.stderr).toContain("ecosystems of this project: PyPI, npm");
    expect(
      bucket.requests
        .slice(before)
        .map((q) => q.path)
        .sort(),
    ).toEqual(["/PyPI/all.zip", "/npm/all.zip"]);

    before = bucket.requests.length;
    const all = await run(empty, { ...env(), SLUICE_OSV_EXPORT_URL: url }, [
      "advisories",
      "update",
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(bucket.requests.slice(before).map((q) => q.path)).toEqual([
      "/npm/all.zip",
      "/PyPI/all.zip",
      "/Go/all.zip",
      "/crates.io/all.zip",
      "/Maven/all.zip",
    ]);
  });

  it("says clearly what is wrong with an unknown ecosystem, a bad source and a missing export", async () => {
    const unknown = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "npm,cobol",
      "--source",
      url,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown ecosystem 'cobol': one of npm, PyPI/,
    );
    const badSource = await run(empty, env(), [
      "advisories",
      "update",
      "--source",
      "ftp://example",
    ]);
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toMatch(/--source must be an http\(s\) URL/);
    const missing = await run(empty, env(), [
      "advisories",
      "update",
      "--ecosystem",
      "NuGet",
      "--source",
      url,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /NuGet\/all\.zip answered 404.*no export for ecosystem NuGet/,
    );
    for (const r of [unknown, badSource, missing])
      expect(r.stderr.trim().split("\n").at(-1)).not.toMatch(/^\s+at /);
  });
});
