import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalEcosystem, downloadExport } from "./osv-export.js";

/** A loopback server whose answer each test sets. */
let answer: (headers: IncomingHttpHeaders, res: ServerResponse) => void;
const server = createServer((req, res) => answer(req.headers, res));
let base = "";
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const body = Buffer.from("PK-not-really-a-zip-but-bytes ".repeat(100));
const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");

describe("downloadExport", () => {
  it("keeps a file whose MD5 matches, and removes one whose MD5 does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-export-"));
    answer = (_h, res) =>
      res
        .writeHead(200, {
          etag: '"v1"',
          "content-length": body.length,
          "x-goog-hash": `crc32c=AAAA==,md5=${md5(body)}`,
        })
        .end(body);
    const got = await downloadExport({ baseUrl: base, ecosystem: "npm", dir });
    expect(readFileSync(got.path)).toEqual(body);
    expect(got).toMatchObject({ bytes: body.length, unchanged: false });

    answer = (_h, res) =>
      res
        .writeHead(200, {
          etag: '"v2"',
          "content-length": body.length,
          "x-goog-hash": `md5=${md5(Buffer.from("something else"))}`,
        })
        .end(body);
    await expect(
      downloadExport({ baseUrl: base, ecosystem: "npm", dir }),
    ).rejects.toThrow(/npm\/all\.zip: the downloaded file fails its MD5 check/);
    expect(existsSync(join(dir, "npm", "all.zip.part"))).toBe(false);
    // The earlier good copy is still there.
    expect(readFileSync(join(dir, "npm", "all.zip"))).toEqual(body);
  });

  it("finishes a part that already holds every byte (416), and starts over when it holds more", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-export-"));
    const url = `${base}/PyPI/all.zip`;
    mkdirSync(join(dir, "PyPI"));
    const part = join(dir, "PyPI", "all.zip.part");
    writeFileSync(part, body);
    writeFileSync(
      `${part}.json`,
      JSON.stringify({ url, etag: '"v1"', total: body.length }),
    );
    const seen: IncomingHttpHeaders[] = [];
    answer = (h, res) => {
      seen.push(h);
      res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
    };
    const whole = await downloadExport({
      baseUrl: base,
      ecosystem: "PyPI",
      dir,
    });
    expect(seen[0]!.range).toBe(`bytes=${body.length}-`);
    expect(readFileSync(whole.path)).toEqual(body);

    // A part longer than the file now is: the server refuses the range, the download restarts.
    const shorter = body.subarray(0, 100);
    writeFileSync(part, body);
    writeFileSync(
      `${part}.json`,
      JSON.stringify({ url, etag: '"v1"', total: body.length + 50 }),
    );
    answer = (h, res) => {
      if (h.range) res.writeHead(416).end();
      else res.writeHead(200, { "content-length": 100 }).end(shorter);
    };
    const restarted: string[] = [];
    const again = await downloadExport({
      baseUrl: base,
      ecosystem: "PyPI",
      dir,
      progress: (e) => {
        if (e.kind === "restart") restarted.push(e.why);
      },
    });
    expect(readFileSync(again.path)).toEqual(shorter);
    expect(restarted).toEqual([
      "the partial download does not fit the file on the server",
    ]);
  });

  it("refuses a range answer that does not start where the part ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-export-"));
    mkdirSync(join(dir, "Go"));
    const part = join(dir, "Go", "all.zip.part");
    writeFileSync(part, body.subarray(0, 10));
    writeFileSync(
      `${part}.json`,
      JSON.stringify({ url: `${base}/Go/all.zip`, etag: '"v1"' }),
    );
    answer = (_h, res) =>
      res
        .writeHead(206, { "content-range": `bytes 0-9/${body.length}` })
        .end(body.subarray(0, 10));
    await expect(
      downloadExport({ baseUrl: base, ecosystem: "Go", dir }),
    ).rejects.toThrow(/answered a range request with the wrong range/);
  });

  it("says which ecosystem has no export, and which server cannot be reached", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-export-"));
    answer = (_h, res) => res.writeHead(404).end();
    await expect(
      downloadExport({ baseUrl: base, ecosystem: "Hex", dir }),
    ).rejects.toThrow(
      /Hex\/all\.zip answered 404 .*no export for ecosystem Hex/,
    );
    await expect(
      downloadExport({ baseUrl: "http://127.0.0.1:9", ecosystem: "npm", dir }),
    ).rejects.toThrow(/^cannot reach http:\/\/127\.0\.0\.1:9: /);
  });

  it("spells ecosystems as OSV does, whatever the case given", () => {
    expect(canonicalEcosystem("pypi")).toBe("PyPI");
    expect(canonicalEcosystem(" CRATES.IO ")).toBe("crates.io");
    expect(() => canonicalEcosystem("cpan")).toThrow(
      /unknown ecosystem 'cpan'/,
    );
  });
});
