/** A parsed PEP 440 version: the parts `packaging.version.Version` orders by. */
export interface Pep440Version {
  epoch: number;
  release: number[];
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: (string | number)[];
}

const pattern =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

/** Parses a PEP 440 version (with the spec's normalisations); undefined when it is not one. */
export function parsePep440(text: string): Pep440Version | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const version: Pep440Version = {
    epoch: m[1] ? Number(m[1]) : 0,
    release: m[2]!.split(".").map(Number),
  };
  if (m[3]) {
    const letter = m[3].toLowerCase();
    const normal =
      letter === "alpha"
        ? "a"
        : letter === "beta"
          ? "b"
          : ["c", "pre", "preview"].includes(letter)
            ? "rc"
            : letter;
    version.pre = [normal, m[4] ? Number(m[4]) : 0];
  }
  if (m[5] !== undefined) version.post = Number(m[5]);
  else if (m[6]) version.post = m[7] ? Number(m[7]) : 0;
  if (m[8]) version.dev = m[9] ? Number(m[9]) : 0;
  if (m[10]) {
    version.local = m[10]
      .toLowerCase()
      .split(/[-_.]/)
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  }
  return version;
}

const preRank: Record<string, number> = { a: 0, b: 1, rc: 2 };

/**
 * Orders two PEP 440 versions as `packaging` does: epoch, release (trailing zeros ignored),
 * then pre-release (a dev-only release sorts before its pre-releases), post, dev, local.
 */
export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  const length = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < length; i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (d !== 0) return d;
  }
  const pre = compareTuple(preKey(a), preKey(b));
  if (pre !== 0) return pre;
  const post = (a.post ?? -1) - (b.post ?? -1);
  if (post !== 0) return post;
  const dev = (a.dev ?? Infinity) - (b.dev ?? Infinity);
  if (dev !== 0 && !Number.isNaN(dev)) return dev;
  return compareLocal(a.local, b.local);
}

function preKey(v: Pep440Version): [number, number] {
  if (v.pre) return [preRank[v.pre[0]] ?? 0, v.pre[1]];
  // 1.0.dev0 sorts before 1.0a0; a final release sorts after every pre-release.
  if (v.post === undefined && v.dev !== undefined) return [-Infinity, 0];
  return [Infinity, 0];
}

function compareTuple(a: [number, number], b: [number, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] - b[1];
}

function compareLocal(
  a?: (string | number)[],
  b?: (string | number)[],
): number {
  if (!a && !b) return 0;
  if (!a) return -1;
  if (!b) return 1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x - y;
    } else if (typeof x === "number") return 1;
    else if (typeof y === "number") return -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
