import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryOsvApi } from "./osv-api.js";

const record = {
  id: "GHSA-p6mc-m468-83gw",
  modified: "2024-01-01T00:00:00Z",
  affected: [
    {
      package: { ecosystem: "npm", name: "lodash" },
      ranges: [
        {
          type: "ECOSYSTEM",
          events: [{ introduced: "0" }, { fixed: "4.17.20" }],
        },
      ],
    },
  ],
};

describe("the OSV API client against a loopback server", () => {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/querybatch") {
        const parsed = JSON.parse(body) as {
          queries: { package: { name: string } }[];
        };
        bodies.push(parsed);
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            results: parsed.queries.map((q) =>
              q.package.name === "lodash" ? { vulns: [{ id: record.id }] } : {},
            ),
          }),
        );
      } else if (req.url === `/v1/vulns/${record.id}`) {
        res.end(JSON.stringify(record));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
  });
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("asks in one batch and fetches each advisory", async () => {
    const records = await queryOsvApi(
      [
        { ecosystem: "npm", name: "lodash", version: "4.17.15" },
        { ecosystem: "npm", name: "left-pad", version: "1.0.0" },
      ],
      { baseUrl: base },
    );
    expect(records.map((r) => r.id)).toEqual([record.id]);
    expect(bodies[0]).toEqual({
      queries: [
        { package: { ecosystem: "npm", name: "lodash" }, version: "4.17.15" },
        { package: { ecosystem: "npm", name: "left-pad" }, version: "1.0.0" },
      ],
    });
  });

  it("turns an HTTP error into one EXTERNAL error", async () => {
    await expect(
      queryOsvApi([{ ecosystem: "npm", name: "x", version: "1" }], {
        baseUrl: `${base}/nope`,
      }),
    ).rejects.toMatchObject({
      code: "EXTERNAL",
      message: expect.stringMatching(/answered 404/),
    });
  });

  it("says the API is unreachable when nothing listens", async () => {
    await expect(
      queryOsvApi([{ ecosystem: "npm", name: "x", version: "1" }], {
        baseUrl: "http://127.0.0.1:9",
      }),
    ).rejects.toMatchObject({
      code: "EXTERNAL",
      message: expect.stringMatching(
        /^cannot reach the OSV API at http:\/\/127.0.0.1:9/,
      ),
    });
  });
});
