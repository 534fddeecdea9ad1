import { describe, expect, it } from "vitest";
import {
  manifestKindOf,
  unlockedManifests,
  unpinnedRequirements,
} from "./manifests.js";

describe("unlockedManifests", () => {
  const files = (texts: Record<string, string>, lockfiles: string[]) =>
    unlockedManifests(
      {
        lockfiles,
        manifests: Object.keys(texts).filter((p) => manifestKindOf(p)),
      },
      (path) => texts[path],
    ).map((m) => m.path);

  it.each<{
    what: string;
    texts: Record<string, string>;
    lockfiles: string[];
    named: string[];
  }>([
    {
      what: "a package.json with dependencies and no lockfile",
      texts: { "package.json": '{"dependencies":{"a":"1"}}' },
      lockfiles: [],
      named: ["package.json"],
    },
    {
      what: "a package.json with no dependencies",
      texts: { "package.json": '{"name":"x","scripts":{}}' },
      lockfiles: [],
      named: [],
    },
    {
      what: "a package.json beside yarn.lock",
      texts: { "package.json": '{"devDependencies":{"a":"1"}}' },
      lockfiles: ["yarn.lock"],
      named: [],
    },
    {
      what: "a workspace member under a root lockfile",
      texts: { "packages/a/package.json": '{"dependencies":{"a":"1"}}' },
      lockfiles: ["pnpm-lock.yaml"],
      named: [],
    },
    {
      what: "a lockfile of another ecosystem does not cover it",
      texts: { "package.json": '{"dependencies":{"a":"1"}}' },
      lockfiles: ["Cargo.lock"],
      named: ["package.json"],
    },
    {
      what: "a lockfile in a sibling folder does not cover it",
      texts: { "web/package.json": '{"dependencies":{"a":"1"}}' },
      lockfiles: ["api/package-lock.json", "webapp/package-lock.json"],
      named: ["web/package.json"],
    },
    {
      what: "a pyproject with dependencies, a requirements.txt covering another",
      texts: {
        "a/pyproject.toml": '[project]\ndependencies = ["flask"]\n',
        "b/pyproject.toml": '[tool.poetry.dependencies]\npython = "^3"\n',
        "c/pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n',
      },
      lockfiles: ["b/requirements.txt"],
      named: ["a/pyproject.toml"],
    },
    {
      what: "Cargo.toml, Gemfile, composer.json without their lockfiles",
      texts: {
        "Cargo.toml": '[package]\nname = "x"\n\n[dependencies]\nserde = "1"\n',
        Gemfile: 'source "https://rubygems.org"\ngem "rails"\n',
        "composer.json": '{"require":{"php":">=8","monolog/monolog":"^2"}}',
        "x/composer.json": '{"require":{"php":">=8"}}',
      },
      lockfiles: [],
      named: ["Cargo.toml", "Gemfile", "composer.json"],
    },
    {
      what: "Maven and Gradle manifests, which sluice cannot lock",
      texts: {
        "pom.xml":
          "<project><dependencies><dependency></dependency></dependencies></project>",
        "app/build.gradle": "dependencies {\n  implementation 'a:b:1'\n}\n",
      },
      lockfiles: ["package-lock.json"],
      named: ["app/build.gradle", "pom.xml"],
    },
    {
      what: "a manifest that cannot be read is named (it may declare dependencies)",
      texts: { "package.json": "{ not json" },
      lockfiles: [],
      named: ["package.json"],
    },
  ])("$what", ({ texts, lockfiles, named }) => {
    expect(files(texts, lockfiles).sort()).toEqual(named.sort());
  });

  it("names the file, the lockfiles that would pin it and how to write one", () => {
    const [note] = unlockedManifests(
      { lockfiles: [], manifests: ["svc/Cargo.toml"] },
      () => "[dependencies]\nserde = '1'\n",
    );
    expect(note).toEqual({
      path: "svc/Cargo.toml",
      ecosystem: "crates.io",
      message:
        "svc/Cargo.toml: no lockfile for this Cargo.toml (Cargo.lock): its dependencies were not scanned; `cargo generate-lockfile` writes one",
    });
  });
});

describe("unpinnedRequirements", () => {
  it.each([
    ["flask==2.0.0\n", 0],
    ["flask===2.0.0 ; python_version > '3'\n", 0],
    ["flask>=2\nrequests~=2.31\nnumpy\n", 3],
    [
      "# comment\n-r base.txt\n--index-url x\n\nflask==1 \\\n  --hash=sha256:abc\n",
      0,
    ],
    ["django[argon2]==4.2 --hash=sha256:abc\nclick\n", 1],
  ])("%j has %i unpinned", (text, n) => {
    expect(unpinnedRequirements(text)).toBe(n);
  });
});
