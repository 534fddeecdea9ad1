/**
 * Cucumber step definitions for the flagd testbed (evaluator/gherkin and the provider-level
 * gherkin/ features), driving sluice's evaluator in process. Run by flagd-testbed.test.ts:
 *   FLAGD_TESTBED=<dir> FLAGD_SUITE=evaluator|provider FLAGD_FRACTIONAL=2|3 cucumber-js ...
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Before, Given, Then, When } from "@cucumber/cucumber";
import type { DataTable } from "@cucumber/cucumber";
import { FlagEvaluator } from "../../src/flags/evaluator.js";
import type {
  FlagType,
  FractionalVersion,
  ResolutionDetails,
} from "../../src/flags/types.js";
import { systemClock } from "../../src/kernel/index.js";

const testbed = process.env.FLAGD_TESTBED ?? "";
const suite = process.env.FLAGD_SUITE ?? "evaluator";
const fractionalVersion = Number(
  process.env.FLAGD_FRACTIONAL ?? "2",
) as FractionalVersion;

type Doc = {
  flags: Record<string, unknown>;
  $evaluators?: Record<string, unknown>;
  metadata?: unknown;
};

function readJson(path: string): Doc {
  return JSON.parse(readFileSync(path, "utf8")) as Doc;
}

/** What the flagd test image serves as flags/allFlags.json: every file not prefixed "selector". */
function allFlags(): Doc {
  const dir = join(testbed, "flags");
  const merged: Doc = { flags: {}, $evaluators: {} };
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".json") || file.startsWith("selector")) continue;
    const doc = readJson(join(dir, file));
    Object.assign(merged.flags, doc.flags);
    Object.assign(merged.$evaluators!, doc.$evaluators ?? {});
  }
  return merged;
}

const cache = new Map<string, FlagEvaluator>();
function evaluatorFor(source: string): FlagEvaluator {
  let evaluator = cache.get(source);
  if (!evaluator) {
    const doc =
      source === "testkit"
        ? readJson(join(testbed, "evaluator", "flags", "testkit-flags.json"))
        : source === "flags/allFlags.json"
          ? allFlags()
          : readJson(join(testbed, "flags", source.replace(/^rawflags\//, "")));
    evaluator = new FlagEvaluator(doc, {
      clock: systemClock,
      fractionalVersion,
    });
    cache.set(source, evaluator);
  }
  return evaluator;
}

/** Cell parsing as js-sdk-contrib and Go flagd do it. */
function typed(type: string, text: string): unknown {
  switch (type) {
    case "Integer":
      return Number.parseInt(text, 10);
    case "Float":
      return Number.parseFloat(text);
    case "Boolean":
      return text.toLowerCase() === "true";
    case "Object":
      return JSON.parse(text.replaceAll('\\"', '"'));
    default:
      return text;
  }
}

const flagTypes: Record<string, FlagType> = {
  Boolean: "boolean",
  String: "string",
  Integer: "number",
  Float: "number",
  Object: "object",
};

interface World {
  source: string;
  selector: string | undefined;
  context: Record<string, unknown>;
  flag: { type: string; key: string; fallback: unknown } | undefined;
  details: ResolutionDetails<unknown> | undefined;
}

Before(function (this: World) {
  this.source = suite === "evaluator" ? "testkit" : "flags/allFlags.json";
  this.selector = undefined;
  this.context = {};
  this.flag = undefined;
  this.details = undefined;
});

Given("an evaluator", function (this: World) {
  this.source = "testkit";
});

Given(
  /^an option "([^"]*)" of type "([^"]*)" with value "([^"]*)"$/,
  function (this: World, name: string, _type: string, value: string) {
    // Options configure a flagd provider (cache, resolver); only the selector changes which
    // flag set is served, and in process that is the file it names.
    if (name === "selector") this.selector = value;
  },
);

Given(/^a (?:stable|metadata) flagd provider$/, function (this: World) {
  this.source = this.selector ?? "flags/allFlags.json";
});

Given(
  /^a (Boolean|String|Integer|Float|Object)-flag with key "([^"]*)" and a (?:fallback|default) value "(.*)"$/,
  function (this: World, type: string, key: string, fallback: string) {
    this.flag = { type, key, fallback: typed(type, fallback) };
  },
);

Given(
  /^a context containing a targeting key with value "(.*)"$/,
  function (this: World, value: string) {
    this.context.targetingKey = value;
  },
);

Given(
  /^a context containing a key "([^"]*)", with type "([^"]*)" and with value "(.*)"$/,
  function (this: World, key: string, type: string, value: string) {
    this.context[key] = typed(type, value);
  },
);

Given(
  /^a context containing a nested property with outer key "([^"]*)" and inner key "([^"]*)", with value "(.*)"$/,
  function (this: World, outer: string, inner: string, value: string) {
    const nested = (this.context[outer] ?? {}) as Record<string, unknown>;
    nested[inner] = value;
    this.context[outer] = nested;
  },
);

When("the flag was evaluated with details", function (this: World) {
  assert.ok(this.flag, "no flag given");
  const type = flagTypes[this.flag.type] as FlagType;
  this.details = evaluatorFor(this.source).resolve(
    this.flag.key,
    type,
    this.flag.fallback,
    this.context,
  );
});

Then(
  /^the resolved details value should be "(.*)"$/,
  function (this: World, expected: string) {
    assert.ok(this.flag && this.details);
    assert.deepEqual(this.details.value, typed(this.flag.type, expected));
  },
);

Then(/^the reason should be "(.*)"$/, function (this: World, expected: string) {
  assert.equal(this.details?.reason, expected);
});

Then(
  /^the error-code should be "(.*)"$/,
  function (this: World, expected: string) {
    assert.equal(
      this.details?.errorCode,
      expected === "" ? undefined : expected,
    );
  },
);

Then(
  /^the variant should be "(.*)"$/,
  function (this: World, expected: string) {
    assert.equal(this.details?.variant, expected === "" ? undefined : expected);
  },
);

Then(
  "the resolved metadata should contain",
  function (this: World, table: DataTable) {
    for (const row of table.hashes() as {
      key: string;
      metadata_type: string;
      value: string;
    }[]) {
      assert.deepEqual(
        this.details?.flagMetadata[row.key],
        typed(row.metadata_type, row.value),
        row.key,
      );
    }
  },
);

Then("the resolved metadata is empty", function (this: World) {
  assert.deepEqual(this.details?.flagMetadata, {});
});
