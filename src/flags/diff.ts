/** The JSON paths where two values differ (`state`, `variants.on`, `targeting.if[1]`). */
export function changedPaths(
  before: unknown,
  after: unknown,
  path = "",
): string[] {
  if (Object.is(before, after)) return [];
  const bothObjects =
    before !== null &&
    after !== null &&
    typeof before === "object" &&
    typeof after === "object";
  if (!bothObjects || Array.isArray(before) !== Array.isArray(after))
    return [path || "$"];
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: string[] = [];
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++)
      out.push(...changedPaths(before[i], after[i], `${path}[${i}]`));
    return out;
  }
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const key of keys)
    out.push(...changedPaths(a[key], b[key], path ? `${path}.${key}` : key));
  return out;
}

/** JSON with object keys sorted: the same document always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object")
    return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
    .join(",")}}`;
}
