// DSSE envelopes signed with Ed25519 (https://github.com/secure-systems-lab/dsse, protocol.md).
import {
  createHash,
  createPublicKey,
  sign as signBytes,
  verify as verifyBytes,
} from "node:crypto";
import type { KeyObject } from "node:crypto";

export const inTotoPayloadType = "application/vnd.in-toto+json";

export interface Envelope {
  payloadType: string;
  /** base64 of the serialized payload. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** The pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "utf8"),
    type,
    Buffer.from(` ${body.length} `, "utf8"),
    body,
  ]);
}

/** The key id: sha256 (hex) of the public key's SPKI DER. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** Signs a JSON payload of this type into a DSSE envelope with an Ed25519 private key. */
export function signPayload(
  payloadType: string,
  payload: unknown,
  privateKey: KeyObject,
): Envelope {
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const sig = signBytes(null, pae(payloadType, body), privateKey);
  return {
    payloadType,
    payload: body.toString("base64"),
    signatures: [{ keyid: keyIdOf(privateKey), sig: sig.toString("base64") }],
  };
}

/** Signs an in-toto statement (serialized as JSON) into a DSSE envelope. */
export const signStatement = (
  statement: unknown,
  privateKey: KeyObject,
): Envelope => signPayload(inTotoPayloadType, statement, privateKey);

/** Why an envelope does not verify, or undefined when a signature by the key verifies. */
export function envelopeProblem(
  envelope: Envelope,
  publicKey: KeyObject,
): string | undefined {
  const keyid = keyIdOf(publicKey);
  const mine = envelope.signatures.filter((s) => s.keyid === keyid);
  if (mine.length === 0) return `no signature by key ${keyid.slice(0, 16)}`;
  const message = pae(
    envelope.payloadType,
    Buffer.from(envelope.payload, "base64"),
  );
  const ok = mine.some((s) =>
    verifyBytes(null, message, publicKey, Buffer.from(s.sig, "base64")),
  );
  return ok
    ? undefined
    : "the signature does not verify (the record was edited)";
}
