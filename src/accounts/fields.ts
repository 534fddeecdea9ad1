import { AppError } from "../kernel/index.js";
import { isRole } from "./roles.js";
import type { Grant } from "./roles.js";

// What an account's fields may hold: names, emails and grants, checked before anything is stored.

const userName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const projectName = /^[^\p{Cc}]{1,200}$/u;

/** Throws unless `grants` are well formed: a known role on a project name (or `*`), once each. */
export function checkGrants(grants: readonly Grant[]): void {
  const seen = new Set<string>();
  for (const grant of grants) {
    if (!projectName.test(grant.project))
      throw new AppError(
        "INVALID_ARGUMENT",
        "a project name has 1 to 200 characters, none a control character",
      );
    if (!isRole(grant.role))
      throw new AppError(
        "INVALID_ARGUMENT",
        `unknown role ${JSON.stringify(grant.role)}: use viewer, developer, approver or admin`,
      );
    if (seen.has(grant.project))
      throw new AppError(
        "INVALID_ARGUMENT",
        `project ${grant.project} is named twice`,
      );
    seen.add(grant.project);
  }
}

export function checkUserName(name: string): void {
  if (!userName.test(name))
    throw new AppError(
      "INVALID_ARGUMENT",
      "a user name has 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
}

/** An account's email, lower case as the gate compares git emails; refused unless it looks like one. */
export function emailOf(email: string): string {
  const lower = email.trim().toLowerCase();
  if (lower.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(lower))
    throw new AppError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(email)} is not an email address`,
    );
  return lower;
}
