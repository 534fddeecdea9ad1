import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { OFREPWebProvider } from "@openfeature/ofrep-web-provider";
import {
  OpenFeature as ServerFeature,
  ProviderEvents as ServerEvents,
} from "@openfeature/server-sdk";
import {
  OpenFeature as WebFeature,
  ProviderEvents as WebEvents,
} from "@openfeature/web-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SluiceProvider } from "../../src/flags/index.js";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, exited, sluice, startSluice, until } from "./cli.js";

const flagSet = {
  $schema: "https://flagd.dev/schema/v0/flags.json",
  flags: {
    "new-checkout": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
    },
    banner: {
      state: "ENABLED",
      variants: { blue: "blue", red: "red" },
      defaultVariant: "blue",
      targeting: {
        if: [{ ends_with: [{ var: "email" }, "@vip.example"] }, "red"],
      },
      metadata: { owner: "growth" },
    },
    split: {
      state: "ENABLED",
      variants: { a: "a", b: "b" },
      defaultVariant: "a",
      targeting: {
        fractional: [
          ["a", 50],
          ["b", 50],
        ],
      },
    },
  },
  metadata: { flagSetId: "shop-production" },
};

describe("flags end to end: sluice serve with real OpenFeature clients", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-flags-e2e-"));
  const cwd = mkdtempSync(join(tmpdir(), "sluice-flags-cwd-"));
  const env = { SLUICE_HOME: home, SLUICE_ACTOR: "e2e" };
  const scope = ["--project", "shop", "--env", "production"];
  let server: ReturnType<typeof startSluice>;
  let baseUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    assertBuilt();
    const file = join(cwd, "flags.json");
    writeFileSync(file, JSON.stringify(flagSet));
    const imported = sluice(cwd, env, [
      "flags",
      "import",
      file,
      ...scope,
      "--reason",
      "e2e",
    ]);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const created = sluice(cwd, env, ["flags", "keys", "create", ...scope]);
    expect(created.code).toBe(0);
    apiKey = created.stdout.trim();
    expect(created.stdout).toBe(`${apiKey}\n`);
    server = startSluice(cwd, env, ["serve", "--port", "0"]);
    await until(
      () => existsSync(join(home, "server.json")),
      "server.json",
      60_000,
    );
    baseUrl = (
      JSON.parse(readFileSync(join(home, "server.json"), "utf8")) as {
        url: string;
      }
    ).url;
  });

  afterAll(async () => {
    await ServerFeature.close();
    await WebFeature.close();
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    // Its commands started the home's local server on demand.
    stopLocalServer(home);
  });

  it("serves @openfeature/ofrep-provider with @openfeature/server-sdk", async () => {
    await ServerFeature.setProviderAndWait(
      "ofrep",
      new OFREPProvider({
        baseUrl,
        headers: [["Authorization", `Bearer ${apiKey}`]],
      }),
    );
    const client = ServerFeature.getClient("ofrep");
    const vip = await client.getStringDetails("banner", "none", {
      targetingKey: "u1",
      email: "ana@vip.example",
    });
    expect(vip).toMatchObject({
      value: "red",
      variant: "red",
      reason: "TARGETING_MATCH",
    });
    expect(vip.flagMetadata).toMatchObject({
      owner: "growth",
      flagSetId: "shop-production",
    });
    expect(
      await client.getBooleanValue("new-checkout", true, {
        targetingKey: "u1",
      }),
    ).toBe(false);
    const missing = await client.getStringDetails("nope", "fallback", {
      targetingKey: "u1",
    });
    expect(missing).toMatchObject({
      value: "fallback",
      errorCode: "FLAG_NOT_FOUND",
    });
    const mismatch = await client.getNumberDetails("banner", 7, {
      targetingKey: "u1",
    });
    expect(mismatch).toMatchObject({ value: 7, errorCode: "TYPE_MISMATCH" });
  });

  it("serves @openfeature/ofrep-web-provider with @openfeature/web-sdk: ETag 304 polls, then ConfigurationChanged", async () => {
    const statuses: number[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (
        String(input instanceof Request ? input.url : input).endsWith(
          "/ofrep/v1/evaluate/flags",
        )
      )
        statuses.push(response.status);
      return response;
    };
    const provider = new OFREPWebProvider({
      baseUrl,
      headers: [["X-API-Key", apiKey]],
      pollInterval: 200,
      changeDetection: "polling",
      cacheMode: "disabled",
      disableVisibilityRefresh: true,
      fetchImplementation: recordingFetch,
    });
    await WebFeature.setContext({
      targetingKey: "u2",
      email: "bo@vip.example",
    });
    await WebFeature.setProviderAndWait(provider);
    const client = WebFeature.getClient();
    expect(client.getStringDetails("banner", "none")).toMatchObject({
      value: "red",
      reason: "TARGETING_MATCH",
    });
    await until(
      () => statuses.filter((s) => s === 304).length >= 2,
      "two 304 polls",
      30_000,
    );
    expect(statuses[0]).toBe(200);

    const changed = new Promise<string[]>((resolve) =>
      client.addHandler(WebEvents.ConfigurationChanged, (details) =>
        resolve(details?.flagsChanged ?? []),
      ),
    );
    const set = sluice(cwd, env, [
      "flags",
      "set",
      "banner",
      JSON.stringify({
        state: "ENABLED",
        variants: { blue: "blue", red: "red" },
        defaultVariant: "blue",
      }),
      ...scope,
      "--reason",
      "drop the VIP rule",
    ]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(await changed).toContain("banner");
    expect(client.getStringValue("banner", "none")).toBe("blue");
    expect(statuses.at(-1)).toBe(200);
    // The change went through the running server, and the audit log has it.
    const history = sluice(cwd, env, [
      "flags",
      "history",
      "banner",
      ...scope,
      "--json",
    ]);
    expect(JSON.parse(history.stdout)[0]).toMatchObject({
      action: "update",
      actor: "e2e",
      reason: "drop the VIP rule",
    });
  });

  it("evaluates in process with SluiceProvider, synced from the server, and emits ConfigurationChanged", async () => {
    const provider = new SluiceProvider({
      url: baseUrl,
      apiKey,
      pollIntervalMs: 0,
    });
    await ServerFeature.setProviderAndWait("inproc", provider);
    const client = ServerFeature.getClient("inproc");
    expect(
      await client.getBooleanDetails("new-checkout", true, {
        targetingKey: "u3",
      }),
    ).toMatchObject({
      value: false,
      reason: "STATIC",
    });
    const split = await client.getStringDetails("split", "x", {
      targetingKey: "user-42",
    });
    expect(split.reason).toBe("TARGETING_MATCH");
    // Same bucket as the server computes over OFREP.
    const ofrep = await ServerFeature.getClient("ofrep").getStringValue(
      "split",
      "x",
      { targetingKey: "user-42" },
    );
    expect(split.value).toBe(ofrep);

    const changed = new Promise<string[]>((resolve) =>
      client.addHandler(ServerEvents.ConfigurationChanged, (details) =>
        resolve(details?.flagsChanged ?? []),
      ),
    );
    const killed = sluice(cwd, env, [
      "flags",
      "kill",
      "new-checkout",
      ...scope,
      "--reason",
      "incident 7",
    ]);
    expect(killed.code).toBe(0);
    // Pushed by the server's change stream: polling is off.
    expect(await changed).toEqual(["new-checkout"]);
    expect(
      await client.getBooleanDetails("new-checkout", true, {
        targetingKey: "u3",
      }),
    ).toMatchObject({
      value: true,
      reason: "DISABLED",
    });
  });

  it("shuts down on SIGTERM and removes server.json", async () => {
    server.kill("SIGTERM");
    expect(await exited(server)).toBe(0);
    expect(existsSync(join(home, "server.json"))).toBe(false);
    // With the server gone, the CLI opens the store itself and sees the same data.
    const list = sluice(cwd, env, ["flags", "list", ...scope, "--json"]);
    expect(
      JSON.parse(list.stdout).find(
        (f: { key: string }) => f.key === "new-checkout",
      ).state,
    ).toBe("DISABLED");
  });
});
