/** OSV ecosystem names of the lockfiles sluice reads. */
export type Ecosystem =
  "npm" | "PyPI" | "Go" | "crates.io" | "RubyGems" | "Packagist";

/** One installed package as a lockfile records it. */
export interface LockedPackage {
  name: string;
  /** The resolved version; empty when only a commit or a local path pins it. */
  version: string;
  ecosystem: Ecosystem;
  /** A git commit the lockfile pins (git dependencies). */
  commit?: string;
  /** dev, optional, bundled, or the lockfile's own group names (poetry, composer). */
  groups: string[];
  /** True when the project itself depends on it; undefined when the lockfile does not say. */
  direct?: boolean;
  /** Names from a direct dependency down to this package, where the lockfile records it. */
  path?: string[];
  /** 1-based line of the package's entry in the lockfile. */
  line?: number;
}

/** What a parser gets: the file's path (for messages), its text, and a reader for sibling files. */
export interface LockfileInput {
  path: string;
  text: string;
  /** Reads a file relative to the lockfile's folder (requirements `-r`, go.sum); undefined = absent. */
  readRelative?: (relativePath: string) => string | undefined;
}

/** A lockfile parser: pure, text in, packages out; throws AppError CONFIG_INVALID with file and line. */
export type LockfileParser = (input: LockfileInput) => LockedPackage[];
