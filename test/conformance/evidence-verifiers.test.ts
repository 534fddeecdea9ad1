// Evidence checked by parts nobody here wrote: Debian's python3-securesystemslib verifies every DSSE
// signature (over a PAE the script computes from the DSSE spec), and the statements validate against
// JSON Schemas for in-toto Statement v1, SLSA Provenance v1 and SLSA VSA v1. No package ships those
// schemas, so they are written here from the specs (ADR 101).
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { exportEvidence } from "../../src/policy/evidence/log.js";
import { filledHome } from "../../src/policy/evidence/evidence.testkit.js";

// Debian's package lives beside Debian's python; a pyenv `python3` first on PATH does not see it.
const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const hasSslib =
  spawnSync(python, ["-c", "import securesystemslib.signer"]).status === 0;
if (!hasSslib)
  console.warn(
    "skipping the securesystemslib check: apt-get install -y python3-securesystemslib",
  );

/** For each line: "ok N" or "bad N why"; the PAE and key parsing are the spec's, not sluice's. */
const verifierScript = String.raw`
import base64, hashlib, json, sys
from securesystemslib.signer import SSlibKey, Signature
from securesystemslib.exceptions import UnverifiedSignatureError, VerificationError
der = base64.b64decode("".join(l for l in open(sys.argv[2]).read().splitlines() if "-----" not in l))
prefix = bytes.fromhex("302a300506032b6570032100")  # RFC 8410: SPKI of an Ed25519 key
assert der[:12] == prefix and len(der) == 44, "not an Ed25519 SPKI key"
keyid = hashlib.sha256(der).hexdigest()
key = SSlibKey(keyid, "ed25519", "ed25519", {"public": der[12:].hex()})
def pae(t, body):
    t = t.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
for n, line in enumerate(open(sys.argv[1]).read().splitlines(), 1):
    env = json.loads(line)["envelope"]
    sigs = [s for s in env["signatures"] if s["keyid"] == keyid]
    try:
        if not sigs: raise VerificationError("no signature by the key")
        key.verify_signature(Signature(keyid, base64.b64decode(sigs[0]["sig"]).hex()),
                             pae(env["payloadType"], base64.b64decode(env["payload"])))
        print("ok", n)
    except (UnverifiedSignatureError, VerificationError) as e:
        print("bad", n, type(e).__name__)
`;

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
  const file = join(dir, `export-${Math.random().toString(36).slice(2)}.jsonl`);
  const script = join(dir, "verify.py");
  writeFileSync(file, text);
  writeFileSync(script, verifierScript);
  const run = spawnSync(python, [script, file, pubPath], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return run.stdout.trim().split("\n");
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

const resourceDescriptor = {
  type: "object",
  properties: {
    name: { type: "string" },
    uri: { type: "string", format: "uri" },
    digest: {
      type: "object",
      minProperties: 1,
      additionalProperties: { type: "string", pattern: "^[0-9a-fA-F]+$" },
    },
    content: { type: "string" },
    downloadLocation: { type: "string", format: "uri" },
    mediaType: { type: "string" },
    annotations: { type: "object" },
  },
  anyOf: [
    { required: ["uri"] },
    { required: ["digest"] },
    { required: ["content"] },
  ],
};
const timestamp = { type: "string", format: "date-time" };
const digestSet = { type: "object", additionalProperties: { type: "string" } };

/** in-toto Statement v1 (in-toto/attestation spec/v1/statement.md): subjects must have a digest. */
const statementSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["_type", "subject", "predicateType"],
  properties: {
    _type: { const: "https://in-toto.io/Statement/v1" },
    subject: {
      type: "array",
      minItems: 1,
      items: { allOf: [resourceDescriptor, { required: ["digest"] }] },
    },
    predicateType: { type: "string", format: "uri" },
    predicate: { type: "object" },
  },
};

/** SLSA Provenance v1 (slsa.dev/spec/v1.0/provenance). */
const provenanceSchema = {
  type: "object",
  required: ["buildDefinition", "runDetails"],
  properties: {
    buildDefinition: {
      type: "object",
      required: ["buildType", "externalParameters"],
      properties: {
        buildType: { type: "string", format: "uri" },
        externalParameters: { type: "object" },
        internalParameters: { type: "object" },
        resolvedDependencies: { type: "array", items: resourceDescriptor },
      },
    },
    runDetails: {
      type: "object",
      required: ["builder"],
      properties: {
        builder: {
          type: "object",
          required: ["id"],
          properties: {
            id: { type: "string", format: "uri" },
            version: {
              type: "object",
              additionalProperties: { type: "string" },
            },
            builderDependencies: { type: "array", items: resourceDescriptor },
          },
        },
        metadata: {
          type: "object",
          properties: {
            invocationId: { type: "string" },
            startedOn: timestamp,
            finishedOn: timestamp,
          },
        },
        byproducts: { type: "array", items: resourceDescriptor },
      },
    },
  },
};

/** SLSA Verification Summary Attestation v1 (slsa.dev/spec/v1.0/verification_summary). */
const vsaSchema = {
  type: "object",
  required: [
    "verifier",
    "timeVerified",
    "resourceUri",
    "policy",
    "verificationResult",
    "verifiedLevels",
  ],
  properties: {
    verifier: {
      type: "object",
      required: ["id"],
      properties: { id: { type: "string" }, version: { type: "object" } },
    },
    timeVerified: timestamp,
    resourceUri: { type: "string", format: "uri" },
    policy: {
      type: "object",
      required: ["uri"],
      properties: {
        uri: { type: "string", format: "uri-reference" },
        digest: digestSet,
      },
    },
    inputAttestations: { type: "array", items: resourceDescriptor },
    verificationResult: { enum: ["PASSED", "FAILED"] },
    verifiedLevels: {
      type: "array",
      items: { type: "string", pattern: "^(SLSA_[A-Z]+_LEVEL_[0-4]|FAILED)$" },
    },
    dependencyLevels: {
      type: "object",
      additionalProperties: { type: "integer", minimum: 0 },
    },
    slsaVersion: { type: "string", pattern: "^[0-9]+\\.[0-9]+$" },
  },
};

describe("in-toto and SLSA schemas", () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validStatement = ajv.compile(statementSchema);
  const byType: Record<string, ReturnType<typeof ajv.compile>> = {
    "https://slsa.dev/provenance/v1": ajv.compile(provenanceSchema),
    "https://slsa.dev/verification_summary/v1": ajv.compile(vsaSchema),
  };
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
