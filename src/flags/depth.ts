/**
 * How deep objects and arrays may nest in a flag set (a targeting rule needs a dozen levels):
 * enough for any real rule, and far below what the recursive rule walkers can take.
 */
export const maxFlagSetDepth = 100;

/**
 * The path of the first object or array nested deeper than `limit`, or undefined. Iterative, so
 * it is safe on input of any depth.
 */
export function deeperThan(
  value: unknown,
  limit: number,
): PropertyKey[] | undefined {
  const stack: { node: unknown; path: PropertyKey[] }[] = [
    { node: value, path: [] },
  ];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (path.length >= limit) return path;
    const entries = Array.isArray(node)
      ? node.map((item, i) => [i, item] as const)
      : Object.entries(node);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (child !== null && typeof child === "object")
        stack.push({ node: child, path: [...path, key] });
    }
  }
  return undefined;
}
