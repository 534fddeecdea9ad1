// Evidence checked by parts nobody here wrote: Debian's python3-securesystemslib verifies every DSSE
// signature (over a PAE the script computes from the DSSE spec), and the statements validate against
// JSON Schemas for in-toto Statement v1, SLSA Provenance v1 and SLSA VSA v1. No package ships those
// schemas, so they are written here from the specs (ADR 101).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportEvidence } from "../../src/policy/evidence/log.js";
import { filledHome } from "../../src/policy/evidence/evidence.testkit.js";
import {
  hasSslib,
  runSslibVerifier,
  statementValidators,
} from "./evidence-checks.js";

let dir: string;
let lines: string[];
let pubPath: string;

beforeAll(async () => {
  const home = await filledHome(2);
  dir = home.home;
  // Six records and the signed head: the head is a DSSE envelope too.
  lines = exportEvidence(home.path, {}, home.key.privateKey);
  pubPath = join(dir, "evidence.pub.pem");
  writeFileSync(
    pubPath,
    home.key.publicKey.export({ type: "spki", format: "pem" }),
  );
});

const runVerifier = (text: string) => {
  const run = runSslibVerifier(dir, text, pubPath);
  expect(run.stderr).toBe("");
  return run.lines;
};

describe.skipIf(!hasSslib)("python3-securesystemslib", () => {
  it("verifies every exported envelope with the public key", () => {
    expect(lines).toHaveLength(7);
    expect(runVerifier(`${lines.join("\n")}\n`)).toEqual(
      lines.map((_, i) => `ok ${i + 1}`),
    );
  });

  it("refuses an envelope whose payload was edited", () => {
    const edited = [...lines];
    const record = JSON.parse(edited[3]!) as { envelope: { payload: string } };
    const statement = Buffer.from(record.envelope.payload, "base64")
      .toString()
      .replace('"shop-2"', '"shop-7"');
    expect(statement).toContain('"shop-7"');
    record.envelope.payload = Buffer.from(statement).toString("base64");
    edited[3] = JSON.stringify(record);
    expect(runVerifier(`${edited.join("\n")}\n`)).toEqual([
      "ok 1",
      "ok 2",
      "ok 3",
      "bad 4 UnverifiedSignatureError",
      "ok 5",
      "ok 6",
      "ok 7",
    ]);
  });
});

describe("in-toto and SLSA schemas", () => {
  const { ajv, validStatement, byType } = statementValidators();
  const statements = () =>
    lines.slice(0, -1).map(
      (l) =>
        JSON.parse(
          Buffer.from(
            (JSON.parse(l) as { envelope: { payload: string } }).envelope
              .payload,
            "base64",
          ).toString(),
        ) as {
          predicateType: string;
          predicate: unknown;
          subject: unknown[];
        },
    );

  it("every exported statement is a Statement v1 with a valid Provenance or VSA predicate", () => {
    const seen = new Set<string>();
    for (const s of statements()) {
      expect(validStatement(s), ajv.errorsText(validStatement.errors)).toBe(
        true,
      );
      const predicate = byType[s.predicateType];
      expect(predicate, s.predicateType).toBeDefined();
      expect(predicate!(s.predicate), ajv.errorsText(predicate!.errors)).toBe(
        true,
      );
      seen.add(s.predicateType);
    }
    expect([...seen].sort()).toEqual(Object.keys(byType).sort());
  });

  it("the schemas refuse what the specs refuse", () => {
    const [provenance, vsa] = statements();
    expect(validStatement({ ...provenance, subject: [{ name: "x" }] })).toBe(
      false,
    );
    expect(
      validStatement({
        ...provenance,
        _type: "https://in-toto.io/Statement/v0.1",
      }),
    ).toBe(false);
    const predicate = vsa!.predicate as Record<string, unknown>;
    expect(
      byType["https://slsa.dev/verification_summary/v1"]!({
        ...predicate,
        verificationResult: "OK",
      }),
    ).toBe(false);
    expect(byType["https://slsa.dev/provenance/v1"]!({ runDetails: {} })).toBe(
      false,
    );
  });
});
