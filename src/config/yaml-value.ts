import { messageOf } from "../kernel/index.js";
import type { ConfigSource } from "./source.js";
import { maxNesting } from "./source.js";

/**
 * The value of a YAML document (sluice.yml, a policy file), or one CONFIG_INVALID error listing
 * every problem at its file:line:col: malformed YAML (one problem per line), nesting deeper than
 * {@link maxNesting} (in the text or through aliases), duplicate keys, alias bombs.
 */
export function yamlValue(source: ConfigSource): unknown {
  if (source.doc.errors.length > 0) {
    // One mistake often makes several errors on its line: one problem per line.
    const seen = new Set<number>();
    const problems = source.doc.errors.flatMap((yamlError) => {
      const at = source.at(yamlError.pos[0]).line;
      if (seen.has(at)) return [];
      seen.add(at);
      const line = source.lines[at - 1] ?? "";
      // `{` of `${{` opens a flow mapping inside [ ] or { }: the usual cause, so say so.
      const hint = /[[{].*\$\{\{/.test(line)
        ? "; inside [ ] or { }, quote a value that holds ${{ }}"
        : "";
      // The parser recurses per level of indentation: a file indented hundreds deep overflows it.
      const message = /call stack/i.test(yamlError.message)
        ? `mappings and lists nest too deep here to parse; a sluice.yml may nest at most ${maxNesting}`
        : `malformed YAML: ${yamlError.message.replace(/\.$/, "")}${hint}`;
      return [source.problem(message, yamlError.pos[0])];
    });
    throw source.error(problems);
  }
  const tooDeep = source.tooDeep();
  if (tooDeep) throw source.error([tooDeep]);
  const duplicates = source.duplicateKeys();
  if (duplicates.length > 0) throw source.error(duplicates);
  let raw: unknown;
  try {
    raw = source.doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw source.error([
      source.problem(`malformed YAML: ${messageOf(error)}`, 0),
    ]);
  }
  // Aliases can nest what the document does not (`b: [*a]`, `c: [*b]`...).
  if (nestsDeeper(raw, maxNesting))
    throw source.error([
      source.problem(
        `aliases nest mappings and lists more than ${maxNesting} levels deep; a sluice.yml may nest at most ${maxNesting}`,
        0,
      ),
    ]);
  return raw;
}

/**
 * Whether objects and arrays in `value` nest deeper than `limit` (a cycle nests without end).
 * Iterative, and each object is measured once, however many aliases share it.
 */
function nestsDeeper(value: unknown, limit: number): boolean {
  const isObject = (v: unknown): v is object =>
    v !== null && typeof v === "object";
  const height = new Map<object, number>();
  const open = new Set<object>();
  const stack: [object, boolean][] = isObject(value) ? [[value, false]] : [];
  while (stack.length > 0) {
    const [node, measured] = stack.pop()!;
    if (height.has(node)) continue;
    const children = Object.values(node).filter(isObject);
    if (!measured) {
      if (open.has(node)) return true;
      open.add(node);
      stack.push([node, true]);
      for (const child of children) {
        if (open.has(child) && !height.has(child)) return true;
        if (!height.has(child)) stack.push([child, false]);
      }
      continue;
    }
    let own = 1;
    for (const child of children)
      own = Math.max(own, 1 + (height.get(child) ?? 0));
    if (own > limit) return true;
    height.set(node, own);
    open.delete(node);
  }
  return false;
}
