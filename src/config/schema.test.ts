import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const schemaFile = new URL("../../schema/sluice.schema.json", import.meta.url);
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(
  JSON.parse(readFileSync(schemaFile, "utf8")) as object,
);

/** The committed schema/sluice.schema.json, as an editor would use it. */
describe("schema/sluice.schema.json", () => {
  const valid: [string, string][] = [
    ["three lines", "extends: golden/node@1\nwith:\n  health: /healthz\n"],
    [
      "python inputs",
      "extends: golden/python@1\nwith:\n  python-version: '3.12'\n  package-manager: uv\n  no-tests: pass\n",
    ],
    [
      "go with an override",
      "extends: golden/go@1\nwith:\n  race: true\njobs:\n  test:\n    timeout: 30m\n  scan: null\n",
    ],
    [
      "the DESIGN.md pipeline",
      `name: checkout-service
on: { push: { branches: [main] }, pull_request: {} }
env: { NODE_ENV: test }
jobs:
  build:   { steps: [ { run: npm ci, cache: { key: "npm-\${{ hashFiles('package-lock.json') }}", paths: [~/.npm] } }, { run: npm run build --if-present } ] }
  test:    { needs: [build], steps: [ { run: npm test } ], timeout: 15m }
  scan:    { needs: [build], steps: [ { uses: sluice/scan, with: { secrets: true, deps: true, fail-on: high } } ] }
  gate:    { needs: [test, scan], steps: [ { uses: sluice/gate, with: { policy: .sluice/policy.yml } } ] }
  deploy:  { needs: [gate], if: "branch == 'main'", environment: production,
             steps: [ { uses: sluice/deploy, with: { strategy: canary, steps: [ {weight: 10}, {analysis: default}, {weight: 50}, {analysis: default}, {weight: 100} ] } } ] }
`,
    ],
  ];
  it.each(valid)("accepts %s", (_what, text) => {
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  const invalid: [string, string][] = [
    ["an unknown top-level key", "extends: golden/node@1\njob: {}\n"],
    [
      "an unknown node input",
      "extends: golden/node@1\nwith:\n  node-verison: 20\n",
    ],
    [
      "a node input on the go template",
      "extends: golden/go@1\nwith:\n  package-manager: npm\n",
    ],
    [
      "a bad enum value",
      "extends: golden/node@1\nwith:\n  package-manager: bun\n",
    ],
    [
      "a bad duration",
      "jobs:\n  a:\n    timeout: fifteen minutes\n    steps: [{ run: x }]\n",
    ],
    ["an unknown step key", "jobs:\n  a:\n    steps: [{ run: x, shel: sh }]\n"],
  ];
  it.each(invalid)("rejects %s", (_what, text) => {
    expect(validate(parse(text))).toBe(false);
  });
});
