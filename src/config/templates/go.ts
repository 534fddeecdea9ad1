import { z } from "zod";
import type { Step } from "../schema.js";
import {
  Command,
  OptionalCommand,
  commonInputs,
  defaultTriggers,
  goldenJobs,
  inDir,
} from "./common.js";
import { defineTemplate } from "./template.js";
import { toolchainKey, toolchainVersion, versionCheck } from "./toolchain.js";

/** golden/go@1: module download (cached on go.sum), build, vet, test (optionally -race), scan. */
export const goV1 = defineTemplate({
  name: "golden/go",
  version: 1,
  description:
    "Go service: go build, go vet, go test (optional -race), scan, optional canary deploy",
  inputs: z.strictObject({
    /** Checked against the host's `go env GOVERSION`: '1.22' (any 1.22.x) or a minimum '>=1.15'. */
    "go-version": toolchainVersion("go").optional(),
    install: Command.default("go mod download"),
    build: OptionalCommand.default("go build ./..."),
    vet: z.boolean().default(true),
    /** Run the tests with the race detector. */
    race: z.boolean().default(false),
    test: OptionalCommand.optional(),
    ...commonInputs,
  }),
  expand(input) {
    const dir = input["working-directory"];
    const version = input["go-version"];
    const keyPrefix = `go-${version ? `${toolchainKey}-` : ""}`;
    const buildSteps: Step[] = [];
    if (version)
      buildSteps.push(
        versionCheck("go", "go env GOVERSION", version, "go-version"),
      );
    buildSteps.push({
      name: "download modules",
      run: input.install,
      cache: {
        key: `${keyPrefix}\${{ hashFiles('${inDir(dir, "go.sum")}') }}`,
        "restore-keys": [keyPrefix],
        paths: ["~/go/pkg/mod"],
      },
    });
    if (input.build !== false)
      buildSteps.push({ name: "build", run: input.build });
    const testSteps: Step[] = [];
    if (input.vet) testSteps.push({ name: "vet", run: "go vet ./..." });
    const test =
      input.test ?? (input.race ? "go test -race ./..." : "go test ./...");
    if (test !== false) testSteps.push({ name: "test", run: test });
    const jobs = goldenJobs({
      buildSteps,
      testSteps,
      testTimeout: input["test-timeout"],
      failOn: input["fail-on"],
      workingDirectory: dir,
      deploy: input.deploy,
      health: input.health,
      policy: input.policy,
      start: "go run .",
    });
    return {
      on: defaultTriggers,
      env: { CGO_ENABLED: input.race ? "1" : "0", ...input.env },
      jobs,
    };
  },
});
