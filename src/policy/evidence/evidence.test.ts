// The evidence core: DSSE encoding and signatures, the chain, and what verify names.
import { createHash, generateKeyPairSync } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineHash, readRecords, verifyRecords } from "./chain.js";
import { envelopeProblem, keyIdOf, pae, signStatement } from "./dsse.js";
import { loadPublicKey, loadSigningKey } from "./key.js";
import { exportEvidence } from "./log.js";
import { verifyExport } from "./head.js";
import { provenanceStatement } from "./statement.js";
import { filledHome, provenanceOf, vsaOf } from "./evidence.testkit.js";

const verifyText = (text: string, key: ReturnType<typeof loadSigningKey>) => {
  const read = readRecords(text);
  if (!read.ok) return read;
  return verifyRecords(read.records, key.publicKey);
};
const verifyExported = (
  text: string,
  key: ReturnType<typeof loadSigningKey>,
) => {
  const read = readRecords(text);
  return read.ok ? verifyExport(read, key.publicKey) : read;
};
const lines = (path: string) =>
  readFileSync(path, "utf8").trimEnd().split("\n");
const join1 = (ls: string[]) => `${ls.join("\n")}\n`;

describe("DSSE", () => {
  it("encodes as the spec's example: DSSEv1 SP len(type) SP type SP len(body) SP body", () => {
    expect(
      pae(
        "http://example.com/HelloWorld",
        Buffer.from("hello world"),
      ).toString(),
    ).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
    // Lengths are in bytes, not characters.
    expect(pae("t", Buffer.from("é")).toString()).toBe("DSSEv1 1 t 2 é");
  });

  it("signs with the key whose id is the sha256 of its SPKI DER, and verifies", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const envelope = signStatement(provenanceOf(1), privateKey);
    const der = publicKey.export({ type: "spki", format: "der" });
    expect(envelope.signatures[0]?.keyid).toBe(
      createHash("sha256").update(der).digest("hex"),
    );
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
    expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(envelopeProblem(envelope, publicKey)).toBeUndefined();
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(envelopeProblem(envelope, other)).toMatch(/no signature by key/);
    const changed = { ...envelope, payloadType: "application/json" };
    expect(envelopeProblem(changed, publicKey)).toMatch(/does not verify/);
  });
});

describe("statements", () => {
  it("a VSA passes only an approve (or a hold with approvals) and keeps the decision", () => {
    expect(vsaOf(1).predicate).toMatchObject({
      verificationResult: "PASSED",
      verifier: { id: "sluice" },
    });
    expect(vsaOf(1, "production", "deny").predicate).toMatchObject({
      verificationResult: "FAILED",
      sluice: { decision: "deny" },
    });
    expect(vsaOf(1, "production", "hold").predicate.verificationResult).toBe(
      "FAILED",
    );
  });

  it("refuses a release digest that is not sha256 hex", () => {
    const input = {
      release: { name: "shop-1", sha256: "XYZ" },
      project: "shop",
      environment: "production",
      commit: "a".repeat(40),
      runId: "run-1",
      steps: [],
      startedOn: new Date(0),
      finishedOn: new Date(0),
      builderVersion: "0.1.0",
    };
    expect(() => provenanceStatement(input)).toThrow(
      "release shop-1: sha256 digest must be 64 hex digits",
    );
  });
});

describe("the chain", () => {
  it("verifies a log of two environments, each chained from record 1", async () => {
    const { key, path } = await filledHome(3);
    const result = verifyText(readFileSync(path, "utf8"), key);
    expect(result).toEqual({
      ok: true,
      records: 9,
      chains: [
        { environment: "production", first: 1, last: 6, records: 6 },
        { environment: "staging", first: 1, last: 3, records: 3 },
      ],
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const first = JSON.parse(lines(path)[1]!) as { prev: string; seq: number };
    expect(first).toMatchObject({ seq: 2, prev: lineHash(lines(path)[0]!) });
  });

  it("names an edited record: its signature fails", async () => {
    const { key, path } = await filledHome(3);
    const ls = lines(path);
    const record = JSON.parse(ls[3]!) as { envelope: { payload: string } };
    const statement = Buffer.from(record.envelope.payload, "base64")
      .toString()
      .replace("shop-2", "shop-9");
    record.envelope.payload = Buffer.from(statement).toString("base64");
    ls[3] = JSON.stringify(record);
    expect(verifyText(join1(ls), key)).toEqual({
      ok: false,
      line: 4,
      problem: "the signature does not verify (the record was edited)",
    });
  });

  it("names a record whose unsigned link was edited", async () => {
    const { key, path } = await filledHome(2);
    const ls = lines(path);
    ls[0] = ls[0]!.replace('"prev":null', `"prev":"${"0".repeat(64)}"`);
    expect(verifyText(join1(ls), key)).toMatchObject({
      ok: false,
      line: 1,
      problem: "record 1 of production is first but links to an earlier record",
    });
    const again = lines(path);
    again[1] = again[1]!.replace(
      /"prev":"[0-9a-f]{64}"/,
      `"prev":"${"1".repeat(64)}"`,
    );
    expect(verifyText(join1(again), key)).toMatchObject({
      ok: false,
      line: 1,
      problem: expect.stringMatching(/^record 1 of production was edited/),
    });
  });

  it("names a removed record", async () => {
    const { key, path } = await filledHome(3);
    const ls = lines(path);
    ls.splice(3, 1); // line 4: record 3 of production
    expect(verifyText(join1(ls), key)).toEqual({
      ok: false,
      line: 4,
      problem: "record 3 of production was removed before this line",
    });
  });

  it("names reordered records", async () => {
    const { key, path } = await filledHome(3);
    const ls = lines(path);
    [ls[3], ls[4]] = [ls[4]!, ls[3]!]; // records 3 and 4 of production
    expect(verifyText(join1(ls), key)).toEqual({
      ok: false,
      line: 4,
      problem:
        "record 4 of production comes before record 3 (line 5): the records were reordered",
    });
  });

  it("names a broken line", async () => {
    const { key, path } = await filledHome(2);
    const ls = lines(path);
    ls[2] = ls[2]!.slice(0, 40);
    expect(verifyText(join1(ls), key)).toEqual({
      ok: false,
      line: 3,
      problem: "not a JSON line",
    });
  });

  it("exports one environment as a whole chain, and since a date from mid-chain", async () => {
    const { key, path } = await filledHome(3);
    const staging = exportEvidence(
      path,
      { environment: "staging" },
      key.privateKey,
    );
    expect(staging).toHaveLength(4);
    expect(verifyExported(join1(staging), key)).toMatchObject({
      ok: true,
      chains: [{ environment: "staging", first: 1, last: 3 }],
    });
    const since = exportEvidence(
      path,
      { since: new Date(Date.UTC(2026, 11, 2)) },
      key.privateKey,
    );
    expect(since).toHaveLength(7);
    expect(verifyExported(join1(since), key)).toMatchObject({
      ok: true,
      chains: [
        { environment: "production", first: 3, last: 6 },
        { environment: "staging", first: 2, last: 3 },
      ],
    });
  });
});

describe("the signed head of an export", () => {
  const exported = async () => {
    const { key, path } = await filledHome(3);
    return { key, lines: exportEvidence(path, {}, key.privateKey) };
  };

  it("names records removed from the end of a chain", async () => {
    const { key, lines } = await exported();
    lines.splice(8, 1); // record 3 of staging, the last record before the head
    expect(verifyExported(join1(lines), key)).toEqual({
      ok: false,
      line: 9,
      problem:
        "the signed head names records 1–3 of staging; the file ends at record 2: the records after it were removed",
    });
  });

  it("names a removed head, a head not last, and an edited head", async () => {
    const { key, lines } = await exported();
    expect(verifyExported(join1(lines.slice(0, 9)), key)).toEqual({
      ok: false,
      line: 10,
      problem:
        "the file ends without its signed head: records at its end may have been removed",
    });
    const early = [...lines];
    early.splice(2, 0, early.pop()!);
    expect(verifyExported(join1(early), key)).toEqual({
      ok: false,
      line: 3,
      problem: "a signed head before the end of the file",
    });
    const head = JSON.parse(lines[9]!) as { envelope: { payload: string } };
    head.envelope.payload = Buffer.from(
      Buffer.from(head.envelope.payload, "base64")
        .toString()
        .replace('"last":3', '"last":2'),
    ).toString("base64");
    expect(
      verifyExported(join1([...lines.slice(0, 9), JSON.stringify(head)]), key),
    ).toMatchObject({
      ok: false,
      line: 10,
      problem:
        "the signed head: the signature does not verify (the record was edited)",
    });
  });

  it("names a whole environment removed, and the first records of an export", async () => {
    const { key, lines } = await exported();
    const noStaging = lines.filter((l) => {
      const read = readRecords(l);
      return !(read.ok && read.records[0]?.environment === "staging");
    });
    expect(noStaging).toHaveLength(7);
    expect(verifyExported(join1(noStaging), key)).toEqual({
      ok: false,
      line: 7,
      problem:
        "the signed head names records 1–3 of staging, and none is in the file: they were removed",
    });
    const { key: k2, path } = await filledHome(3);
    const since = exportEvidence(
      path,
      { since: new Date(Date.UTC(2026, 11, 2)) },
      k2.privateKey,
    );
    since.splice(0, 1); // record 3 of production, the first of the export
    expect(verifyExported(join1(since), k2)).toEqual({
      ok: false,
      line: 6,
      problem:
        "the signed head names records 3–6 of production; the file starts at record 4: the records before it were removed",
    });
  });
});

describe("keys", () => {
  it("makes the key once, mode 0600, and reads it back", async () => {
    const { home, key } = await filledHome(0);
    expect(key.created).toBe(true);
    expect(statSync(key.path).mode & 0o777).toBe(0o600);
    const again = loadSigningKey({ home });
    expect(again.created).toBe(false);
    expect(keyIdOf(again.publicKey)).toBe(keyIdOf(key.publicKey));
  });

  it("a missing, unreadable or wrong given key is a one-line error", async () => {
    const { home } = await filledHome(0);
    const missing = join(home, "nope.pem");
    expect(() => loadSigningKey({ home, path: missing })).toThrow(
      `evidence signing key ${missing} cannot be read (ENOENT)`,
    );
    expect(() => loadPublicKey(missing)).toThrow(
      `evidence key ${missing} cannot be read (ENOENT)`,
    );
    const junk = join(home, "junk.pem");
    writeFileSync(junk, "not a key\n");
    expect(() => loadSigningKey({ home, path: junk })).toThrow(
      `evidence signing key ${junk} is not a PEM private key`,
    );
    const ec = join(home, "ec.pem");
    writeFileSync(
      ec,
      generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
        type: "pkcs8",
        format: "pem",
      }),
    );
    expect(() => loadSigningKey({ home, path: ec })).toThrow(
      `evidence signing key ${ec} is a ec key, not Ed25519`,
    );
  });
});
