import semver from "semver";
import type { SemVer } from "semver";
import { encodeCbor } from "./cbor.js";
import { notConstant } from "./logic.js";
import type { Compiled, CustomOperator, Scope } from "./logic.js";
import { murmur3, murmur3Bytes } from "./murmur3.js";
import type { FractionalVersion } from "./types.js";

/**
 * flagd's custom operators. Each returns null on invalid input (never false, never throws):
 * inside `if` null is falsy, at the top level it selects the default variant.
 */
export function flagdOperators(
  fractionalVersion: FractionalVersion = 2,
): Record<string, CustomOperator> {
  return {
    fractional:
      fractionalVersion === 3
        ? fractionalV3
        : withPrecompiledBuckets(fractionalV2),
    sem_ver: semVer,
    starts_with: (args) => stringCompare(args, (a, b) => a.startsWith(b)),
    ends_with: (args) => stringCompare(args, (a, b) => a.endsWith(b)),
  };
}

function stringCompare(
  args: unknown,
  test: (a: string, b: string) => boolean,
): boolean | null {
  if (!Array.isArray(args) || args.length !== 2) return null;
  const [a, b] = args;
  if (typeof a !== "string" || typeof b !== "string") return null;
  return test(a, b);
}

// Parsing a version costs a microsecond; rules compare against the same few versions again and
// again, so parsed versions are memoized (bounded: cleared when full).
const parsedVersions = new Map<string, SemVer | null>();

/** Go flagd's version rules: optional v, partial versions, build metadata ignored. */
function parseVersion(raw: unknown): SemVer | null {
  if (raw === null || raw === undefined || typeof raw === "object") return null;
  const key = String(raw);
  let parsed = parsedVersions.get(key);
  if (parsed === undefined) {
    parsed = parseVersionText(key);
    if (parsedVersions.size >= 4096) parsedVersions.clear();
    parsedVersions.set(key, parsed);
  }
  return parsed;
}

function parseVersionText(raw: string): SemVer | null {
  const text = raw.replace(/^[vV]/, "");
  const strict = semver.parse(text);
  if (strict) return strict;
  if (/^\d+(\.\d+)?$/.test(text)) return semver.coerce(text);
  return null;
}

function semVer(args: unknown): boolean | null {
  if (!Array.isArray(args) || args.length !== 3) return null;
  const a = parseVersion(args[0]);
  const b = parseVersion(args[2]);
  if (!a || !b) return null;
  const order = semver.compare(a, b);
  switch (String(args[1])) {
    case "=":
      return order === 0;
    case "!=":
      return order !== 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    case "^":
      return a.major === b.major;
    case "~":
      return a.major === b.major && a.minor === b.minor;
    default:
      return null;
  }
}

const maxTotalWeight = 2147483647;

interface Bucket {
  variant: unknown;
  weight: number;
}

/** The buckets of a fractional rule, or null when an entry is malformed. */
function bucketsOf(
  entries: unknown[],
): { buckets: Bucket[]; total: number } | null {
  const buckets: Bucket[] = [];
  let total = 0;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2)
      return null;
    const variant = entry[0];
    if (
      variant !== null &&
      variant !== undefined &&
      typeof variant !== "string" &&
      typeof variant !== "number" &&
      typeof variant !== "boolean"
    )
      return null;
    let weight = 1;
    if (entry.length === 2) {
      const raw = entry[1];
      if (typeof raw !== "number" || !Number.isInteger(raw)) return null;
      // Time-based splits compute weights that go negative outside their window.
      weight = Math.max(0, raw);
    }
    buckets.push({ variant: variant ?? null, weight });
    total += weight;
  }
  if (total <= 0 || total > maxTotalWeight) return null;
  return { buckets, total };
}

/** v2 mapping: bucket = (hash * total) >> 32, in exact integer arithmetic. */
function pick(hash: number, buckets: Bucket[], total: number): unknown {
  // (hash * total) >> 32 without BigInt: split hash into 16-bit halves; every partial product
  // stays below 2^48, so doubles hold it exactly, and the floors compose exactly.
  const high = (hash >>> 16) * total;
  const low = Math.floor(((hash & 0xffff) * total) / 65536);
  const bucket = Math.floor((high + low) / 65536);
  let end = 0;
  for (const { variant, weight } of buckets) {
    end += weight;
    if (bucket < end) return variant;
  }
  return null;
}

/** `fractional` v2: murmur3 over the UTF-8 bytes of the bucketing key. */
const fractionalV2: CustomOperator = (args, _data, scope) => {
  if (!Array.isArray(args) || args.length < 1) return null;
  let key: string;
  let entries: unknown[];
  if (typeof args[0] === "string") {
    key = args[0];
    entries = args.slice(1);
  } else {
    const targetingKey = (scope.root as Record<string, unknown> | null)
      ?.targetingKey;
    if (typeof targetingKey !== "string" || targetingKey === "") return null;
    key = scope.flagd.flagKey + targetingKey;
    // Go flagd drops a leading null (a bucketing expression that found nothing).
    entries = args[0] === null ? args.slice(1) : args;
  }
  const parsed = bucketsOf(entries);
  if (!parsed) return null;
  return pick(murmur3(key), parsed.buckets, parsed.total);
};

/** `fractional` v3: murmur3 over deterministic CBOR of the bucketing value. */
const fractionalV3: CustomOperator = (args, _data, scope: Scope) => {
  if (!Array.isArray(args) || args.length < 1) return null;
  let value: unknown;
  let entries: unknown[];
  const first = args[0];
  if (first !== null && first !== undefined && !Array.isArray(first)) {
    value = first;
    entries = args.slice(1);
  } else {
    const targetingKey = (scope.root as Record<string, unknown> | null)
      ?.targetingKey;
    if (typeof targetingKey !== "string") return null;
    value = [scope.flagd.flagKey, targetingKey];
    entries = first === null ? args.slice(1) : args;
  }
  const parsed = bucketsOf(entries);
  if (!parsed) return null;
  return pick(murmur3Bytes(encodeCbor(value)), parsed.buckets, parsed.total);
};

/**
 * The usual fractional rule has constant buckets (`["on", 25], ["off", 75]`) and at most a
 * computed bucketing key: parse the buckets once at compile time. Anything dynamic (computed
 * weights of a time-based split, nested variant rules) takes the general path.
 */
function withPrecompiledBuckets(general: CustomOperator): CustomOperator {
  const operator: CustomOperator = (args, data, scope) =>
    general(args, data, scope);
  operator.compile = (args: Compiled[], values: unknown[]) => {
    const firstIsBucket = Array.isArray(values[0]);
    const entries = firstIsBucket ? values : values.slice(1);
    if (entries.length === 0 || entries.some((v) => v === notConstant))
      return undefined;
    const parsed = bucketsOf(entries);
    if (!parsed) return undefined;
    const { buckets, total } = parsed;
    if (firstIsBucket) {
      return (_data, scope) => {
        const targetingKey = (scope.root as Record<string, unknown> | null)
          ?.targetingKey;
        if (typeof targetingKey !== "string" || targetingKey === "")
          return null;
        return pick(
          murmur3(scope.flagd.flagKey + targetingKey),
          buckets,
          total,
        );
      };
    }
    const keyRule = args[0] as Compiled;
    return (data, scope) => {
      const key = keyRule(data, scope);
      if (typeof key === "string") return pick(murmur3(key), buckets, total);
      // Not a string: the general path decides (a leading null falls back to the targeting key).
      return general([key, ...entries], data, scope);
    };
  };
  return operator;
}
