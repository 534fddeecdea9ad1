import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Detector } from "./detect.js";
import { javaKeystoreExposed, readJavaKeystore } from "./jks.js";
import { compileRuleSet } from "./rule.js";
import { defaultRules } from "./rules/index.js";

/**
 * Two sources of keystores: bytes built here per the JKS format (OpenJDK's JavaKeyStore: magic,
 * version 2, entries, SHA-1 over the UTF-16BE password, "Mighty Aphrodite" and the body), always;
 * and real keystores that the JDK's `keytool` writes, when it is installed (skipped otherwise).
 */
function jks(
  password: string,
  entries: ("key" | "cert")[],
  magic = 0xfeedfeed,
): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const utf = (s: string): Buffer =>
    Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s)]);
  const blob = (n: number): Buffer =>
    Buffer.concat([u32(n), Buffer.alloc(n, 7)]);
  const cert = Buffer.concat([utf("X.509"), blob(40)]);
  const parts = [u32(magic), u32(2), u32(entries.length)];
  entries.forEach((e, i) => {
    parts.push(u32(e === "key" ? 1 : 2), utf(`alias${i}`), Buffer.alloc(8));
    if (e === "key") parts.push(blob(64), u32(1), cert);
    else parts.push(cert);
  });
  const body = Buffer.concat(parts);
  const pw = Buffer.from(password, "utf16le").swap16();
  const digest = createHash("sha1")
    .update(pw)
    .update("Mighty Aphrodite")
    .update(body)
    .digest();
  return Buffer.concat([body, digest]);
}

const detector = new Detector(compileRuleSet(defaultRules));
const ids = (path: string, data: Uint8Array, contentUnknown = false) =>
  detector
    .detect(
      { path, data, ...(contentUnknown ? { contentUnknown } : {}) },
      { pathOnly: true },
    )
    .matches.map((m) => m.ruleId);

describe("Java keystores built per the JKS format", () => {
  it("reads a private key entry under an unknown password: exposed (it cracks offline)", () => {
    const store = jks("Vq8#unguessable", ["key"]);
    expect(readJavaKeystore(store)).toEqual({ format: "JKS", hasKey: true });
    expect(javaKeystoreExposed(store)).toBe(true);
  });

  it("reads a truststore that opens with changeit: exposed; the same under another password: not", () => {
    expect(readJavaKeystore(jks("changeit", ["cert", "cert"]))).toEqual({
      format: "JKS",
      hasKey: false,
      knownPassword: "changeit",
    });
    expect(javaKeystoreExposed(jks("Vq8#unguessable", ["cert"]))).toBe(false);
  });

  it("reads JCEKS by its magic, and nothing from other bytes", () => {
    expect(readJavaKeystore(jks("android", ["key"], 0xcececece))).toEqual({
      format: "JCEKS",
      hasKey: true,
      knownPassword: "android",
    });
    expect(
      readJavaKeystore(Buffer.from("not a keystore at all, honestly")),
    ).toBe(undefined);
    // The magic and a bad version: not a keystore.
    const bad = jks("changeit", ["cert"]);
    bad.writeUInt32BE(7, 4);
    expect(readJavaKeystore(bad)).toBe(undefined);
    // Cut short: the entries read so far stand.
    expect(readJavaKeystore(jks("x", ["key"]).subarray(0, 40))?.hasKey).toBe(
      true,
    );
  });

  it("java-keystore rule: by format for .jks/.jceks/.keystore files, by name when the bytes are unknown", () => {
    expect(ids("app/release.keystore", jks("x-unknown", ["key"]))).toEqual([
      "java-keystore",
    ]);
    expect(ids("certs/trust.jks", jks("x-unknown", ["cert"]))).toEqual([]);
    expect(ids("certs/notes.jks", Buffer.from("plain text"))).toEqual([]);
    expect(ids("keys/app.jceks", new Uint8Array([0]), true)).toEqual([
      "java-keystore",
    ]);
  });
});

const keytool = spawnSync("keytool", ["-help"]).status === 0;

describe.skipIf(!keytool)("Java keystores written by keytool", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-jks-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tool = (...args: string[]): void => {
    execFileSync("keytool", args, { stdio: "ignore" });
  };
  const genkey = (file: string, type: string, pass: string): Buffer => {
    tool(
      "-genkeypair",
      "-alias",
      "app",
      "-keyalg",
      "EC",
      "-dname",
      "CN=sluice-test",
      "-validity",
      "1",
      "-storetype",
      type,
      "-keystore",
      join(dir, file),
      "-storepass",
      pass,
      "-keypass",
      pass,
    );
    return readFileSync(join(dir, file));
  };

  it("a JKS and a JCEKS keystore with a key; a truststore under changeit or another password", () => {
    expect(readJavaKeystore(genkey("app.jks", "JKS", "changeit"))).toEqual({
      format: "JKS",
      hasKey: true,
      knownPassword: "changeit",
    });
    expect(
      readJavaKeystore(genkey("app.jceks", "JCEKS", "Zq7#kept-out")),
    ).toEqual({ format: "JCEKS", hasKey: true });
    tool(
      "-exportcert",
      "-alias",
      "app",
      "-keystore",
      join(dir, "app.jks"),
      "-storepass",
      "changeit",
      "-file",
      join(dir, "app.crt"),
    );
    for (const [file, pass] of [
      ["trust-changeit.jks", "changeit"],
      ["trust-other.jks", "Zq7#kept-out"],
    ] as const)
      tool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        join(dir, "app.crt"),
        "-storetype",
        "JKS",
        "-keystore",
        join(dir, file),
        "-storepass",
        pass,
      );
    const trusted = readFileSync(join(dir, "trust-changeit.jks"));
    expect(readJavaKeystore(trusted)).toEqual({
      format: "JKS",
      hasKey: false,
      knownPassword: "changeit",
    });
    expect(ids("trust-changeit.jks", trusted)).toEqual(["java-keystore"]);
    const other = readFileSync(join(dir, "trust-other.jks"));
    expect(javaKeystoreExposed(other)).toBe(false);
    expect(ids("trust-other.jks", other)).toEqual([]);
  }, 60_000);
});
