import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, exited, startServe } from "./cli.js";

/**
 * Issue 10 items 1 and 8, as the review probed them: the built `sluice serve` over real HTTP.
 * Encoded paths get the declared credential check, the admin token's requests are audited as the
 * user who started the server whatever X-Sluice-Actor says, and a NUL in a path is a 400 that
 * leaves no SQL in sluice.log.
 */
describe("sluice serve authorizes every spelling of a path", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-server-auth-e2e-"));
  const cwd = mkdtempSync(join(tmpdir(), "sluice-server-auth-cwd-"));
  const env = { SLUICE_HOME: home, SLUICE_ACTOR: "e2e-owner" };
  let server: Awaited<ReturnType<typeof startServe>>["server"] | undefined;
  let url: string;
  let adminToken: string;

  beforeAll(async () => {
    assertBuilt();
    ({ server, url, adminToken } = await startServe(cwd, env));
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
  });

  const post = (path: string, body: unknown, headers = {}) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it.each([
    ["/api/v1/%66lags/shop/production/keys", { name: "stolen" }],
    ["/api/v1/%66lags/shop/production/kill", { keys: ["x"], reason: "x" }],
    ["/api/v1/%72ollouts/production/undo?project=svc", {}],
    ["/api/v1/Flags/shop/production/keys", { name: "stolen" }],
    ["/api//v1/flags/shop/production/keys", { name: "stolen" }],
    ["/api/v1/./flags/shop/production/keys", { name: "stolen" }],
  ])("refuses %s without a credential", async (path, body) => {
    const response = await post(path, body);
    expect([401, 404]).toContain(response.status);
    expect(response.headers.get("content-type")).toMatch(/problem\+json/);
    expect(await response.text()).not.toContain("sluice_flags_");
  });

  it("audits the admin token as the server's owner, not as X-Sluice-Actor says", async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const created = await post(
      "/api/v1/%66lags/shop/production/keys",
      { name: "ci" },
      { ...auth, "x-sluice-actor": "mallory" },
    );
    expect(created.status).toBe(200);
    const history = await fetch(`${url}/api/v1/flags/shop/production/history`, {
      headers: auth,
    });
    const entries = (await history.json()) as {
      action: string;
      actor: string;
    }[];
    expect(entries[0]).toMatchObject({
      action: "create-key",
      actor: "e2e-owner",
    });
  });

  it("answers a NUL in a path with a 400 problem and writes no SQL to sluice.log", async () => {
    const response = await fetch(`${url}/api/v1/flags/sh%00op/production`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "INVALID_ARGUMENT" });
    const log = join(home, "sluice.log");
    const text = existsSync(log) ? readFileSync(log, "utf8") : "";
    expect(text).not.toMatch(/select |insert |params:/i);
  });
});
