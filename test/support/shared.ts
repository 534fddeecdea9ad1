import { existsSync } from "node:fs";
import { describe, it } from "vitest";

type Suite = (name: string, factory: () => void) => void;

/**
 * `describe` for conformance suites that read `../shared` while they are collected. vitest runs the
 * factory of a skipped suite too, so `describe.skipIf` is not enough: when `path` is absent the factory
 * is never called and one skipped test says why.
 */
export function describeWithShared(path: string): Suite {
  if (existsSync(path)) return (name, factory) => describe(name, factory);
  return (name) =>
    describe.skip(name, () => {
      it(`needs ${path}, which is absent`, () => {});
    });
}
