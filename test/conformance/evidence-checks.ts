// The parts of the evidence checks that nobody here wrote, shared by the tests that check exported
// evidence: Debian's python3-securesystemslib over the DSSE PAE, and JSON Schemas for in-toto
// Statement v1, SLSA Provenance v1 and SLSA VSA v1 written from the specs (ADR 101).
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// Debian's package lives beside Debian's python; a pyenv `python3` first on PATH does not see it.
const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
export const hasSslib =
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

/** Validators of a statement, and of its predicate by predicate type. */
export function statementValidators() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validStatement = ajv.compile(statementSchema);
  const byType: Record<string, ReturnType<typeof ajv.compile>> = {
    "https://slsa.dev/provenance/v1": ajv.compile(provenanceSchema),
    "https://slsa.dev/verification_summary/v1": ajv.compile(vsaSchema),
  };
  return { ajv, validStatement, byType };
}

/**
 * Runs the securesystemslib verifier over an export (written into `dir`) with the public key at
 * `pubPath`: one "ok N" or "bad N why" per line. Its stderr must be empty.
 */
export function runSslibVerifier(
  dir: string,
  text: string,
  pubPath: string,
): { lines: string[]; stderr: string } {
  const file = join(dir, `export-${Math.random().toString(36).slice(2)}.jsonl`);
  const script = join(dir, "verify.py");
  writeFileSync(file, text);
  writeFileSync(script, verifierScript);
  const run = spawnSync(python, [script, file, pubPath], { encoding: "utf8" });
  return { lines: run.stdout.trim().split("\n"), stderr: run.stderr };
}
