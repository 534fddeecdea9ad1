import { createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WeightedProxy } from "./proxy.js";

/** A real upstream: echoes the request, or answers a large body in many chunks. */
function upstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        server,
        port: typeof address === "object" && address ? address.port : 0,
      });
    }),
  );
}

function call(
  port: number,
  method: string,
  path: string,
  body?: Buffer,
): Promise<{
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, headers: { "x-test": "yes" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const big = Buffer.alloc(3 * 1024 * 1024, "abcdefgh");

describe("WeightedProxy forwarding", () => {
  const proxy = new WeightedProxy();
  let backend: { server: Server; port: number };
  let proxyPort = 0;

  beforeAll(async () => {
    backend = await upstream((req, res) => {
      if (req.url === "/big") {
        res.writeHead(200, { "x-kind": "big" });
        // many writes: the proxy must stream them through in order
        for (let i = 0; i < big.length; i += 65_536)
          res.write(big.subarray(i, i + 65_536));
        res.end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = req.url === "/fail" ? 500 : 200;
        res.writeHead(status, {
          "content-type": "application/json",
          "X-Mixed-Case": "kept",
        });
        res.end(
          JSON.stringify({
            method: req.method,
            url: req.url,
            header: req.headers["x-test"],
            length: Buffer.concat(chunks).length,
          }),
        );
      });
    });
    proxyPort = await proxy.listen(0);
    proxy.setRoutes({
      stable: { release: "v1", port: backend.port },
      canary: null,
      weight: 0,
    });
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => backend.server.close(r));
  });

  it.each([
    { method: "GET", path: "/a?b=c", body: undefined, status: 200, length: 0 },
    { method: "HEAD", path: "/", body: undefined, status: 200, length: 0 },
    {
      method: "POST",
      path: "/p",
      body: Buffer.from("hello"),
      status: 200,
      length: 5,
    },
    { method: "PUT", path: "/p", body: big, status: 200, length: big.length },
    { method: "GET", path: "/fail", body: undefined, status: 500, length: 0 },
  ])(
    "forwards $method $path with its body and headers, answering $status",
    async ({ method, path, body, status, length }) => {
      const answer = await call(proxyPort, method, path, body);
      expect(answer.status).toBe(status);
      expect(answer.headers["x-mixed-case"]).toBe("kept");
      if (method === "HEAD") {
        expect(answer.body.length).toBe(0);
        return;
      }
      expect(JSON.parse(answer.body.toString())).toEqual({
        method,
        url: path,
        header: "yes",
        length,
      });
    },
  );

  it("streams a large response body intact and records it", async () => {
    // Counted as a difference: an earlier test's request can finish in the same millisecond.
    const before = proxy.ring("v1").window(0, Number.POSITIVE_INFINITY);
    const answer = await call(proxyPort, "GET", "/big");
    expect(answer.status).toBe(200);
    expect(answer.headers["x-kind"]).toBe("big");
    expect(answer.body.equals(big)).toBe(true);
    const after = proxy.ring("v1").window(0, Number.POSITIVE_INFINITY);
    expect(after.requests - before.requests).toBe(1);
    expect(after.byClass["2xx"] - before.byClass["2xx"]).toBe(1);
    expect(proxy.inFlightTo("v1")).toBe(0);
  });

  it("sends a GET refused by the canary to stable, and records the refusal", async () => {
    const dead = await upstream(() => undefined);
    const deadPort = dead.port;
    await new Promise((r) => dead.server.close(r));
    proxy.setRoutes({
      stable: { release: "v1", port: backend.port },
      canary: { release: "gone", port: deadPort },
      weight: 100,
    });
    try {
      const answer = await call(proxyPort, "GET", "/r");
      expect(answer.status).toBe(200);
      expect(
        proxy.ring("gone").window(0, Date.now() + 1).connectionErrors,
      ).toBe(1);
      // a POST is not retried: it might have had a body the canary consumed
      const post = await call(proxyPort, "POST", "/r", Buffer.from("x"));
      expect(post.status).toBe(502);
      expect(proxy.inFlightTo("gone")).toBe(0);
    } finally {
      proxy.setRoutes({
        stable: { release: "v1", port: backend.port },
        canary: null,
        weight: 0,
      });
    }
  });
});
