import { checkEnvironment } from "./names.js";
import type { SecretVersion } from "./ports.js";

/** A project, and an environment (absent: the project-wide secrets). */
export interface SecretScope {
  project: string;
  environment?: string | undefined;
}

/** The scope's environment as stored: '' for project-wide; a bad name is INVALID_ARGUMENT. */
export const envOf = (scope: SecretScope): string => {
  if (scope.environment === undefined) return "";
  checkEnvironment(scope.environment);
  return scope.environment;
};

/** The scope in words, for messages. */
export const where = (project: string, environment: string): string =>
  environment === ""
    ? `project ${project}`
    : `project ${project}, environment ${environment}`;

/** The latest live version of NAME for the scope: the environment's, else the project's. */
export function effective(
  latest: SecretVersion[],
  environment: string,
  name: string,
): SecretVersion | undefined {
  const find = (env: string) =>
    latest.find((v) => v.environment === env && v.name === name);
  const own = environment === "" ? undefined : find(environment);
  if (own?.ciphertext) return own;
  // A removal in the environment does not uncover the project's value: it is gone there too.
  if (own) return undefined;
  const shared = find("");
  return shared?.ciphertext ? shared : undefined;
}
