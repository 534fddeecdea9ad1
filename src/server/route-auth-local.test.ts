import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import { silentLogger } from "../kernel/index.js";
import { buildServer } from "./app.js";
import { listenOnSocket } from "./local/socket.js";
import type { SocketListener } from "./local/socket.js";

/**
 * Issue 14: the local socket's owner is admin of the local server under the role rules too
 * (a project's role routes, server-admin routes, signed-in routes), with no token; the same
 * requests off the socket need a credential.
 */
describe("the local socket's owner holds every role", () => {
  let app: App;
  let server: FastifyInstance;
  let socket: SocketListener;
  const home = mkdtempSync(join(tmpdir(), "sluice-local-owner-"));

  const overSocket = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          socketPath: socket.path,
          method,
          path,
          headers: payload ? { "content-type": "application/json" } : {},
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: text }),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });

  beforeAll(async () => {
    app = await openApp({ home, logger: silentLogger });
    server = await buildServer({
      app,
      logger: silentLogger,
      adminToken: "not-sent-by-anyone",
      adminName: "owner-of-the-home",
    });
    socket = await listenOnSocket(server, join(home, "test.sock"));
  });
  afterAll(async () => {
    await socket?.close();
    await server?.close();
    await app?.close();
  });

  it.each([
    [
      "PUT",
      "/api/v1/flags/shop/production/flags/banner",
      {
        flag: {
          state: "ENABLED",
          variants: { on: true, off: false },
          defaultVariant: "on",
        },
      },
    ],
    ["POST", "/api/v1/users", { name: "dana" }],
    ["GET", "/api/v1/auth/whoami", undefined],
  ] as const)(
    "%s %s: 200 over the socket, 401 off it",
    async (method, path, body) => {
      const local = await overSocket(method, path, body);
      expect(local.status, local.body).toBe(200);
      const remote = await server.inject({
        method,
        url: path,
        ...(body ? { payload: body } : {}),
      });
      expect(remote.statusCode).toBe(401);
    },
  );

  it("lets only the socket's owner submit a run of a folder: the admin token over the network is refused", async () => {
    // Past authorization over the socket: the empty body is what is refused.
    const local = await overSocket("POST", "/api/v1/runs", {});
    expect(local.status, local.body).toBe(400);
    const nobody = await server.inject({
      method: "POST",
      url: "/api/v1/runs",
      payload: {},
    });
    expect(nobody.statusCode).toBe(401);
    const admin = await server.inject({
      method: "POST",
      url: "/api/v1/runs",
      headers: { authorization: "Bearer not-sent-by-anyone" },
      payload: {},
    });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().detail).toBe(
      "only the local CLI of this server's home (its Unix socket) may do this",
    );
  });

  it("records the owner as the actor", async () => {
    const me = await overSocket("GET", "/api/v1/auth/whoami");
    expect(JSON.parse(me.body)).toEqual({
      actor: "owner-of-the-home",
      kind: "admin",
    });
  });
});
