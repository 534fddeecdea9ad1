/** The roles of a project, weakest first: each one may do what the ones before it may. */
export const roles = ["viewer", "developer", "approver", "admin"] as const;
export type Role = (typeof roles)[number];

/** The project name of a grant over every project (a server-wide role). */
export const everyProject = "*";

/** A role on one project, or on every project (`*`). */
export interface Grant {
  project: string;
  role: Role;
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

const rank = (role: Role): number => roles.indexOf(role);

/**
 * The strongest role `grants` give on `project` (a grant on `*` counts for every project), or
 * undefined when they give none. Asked for `*` itself, only grants on `*` count.
 */
export function roleOn(
  grants: readonly Grant[],
  project: string,
): Role | undefined {
  let best: Role | undefined;
  for (const grant of grants) {
    if (grant.project !== project && grant.project !== everyProject) continue;
    if (best === undefined || rank(grant.role) > rank(best)) best = grant.role;
  }
  return best;
}

/** Whether `held` is at least `needed`. */
export function atLeast(held: Role | undefined, needed: Role): boolean {
  return held !== undefined && rank(held) >= rank(needed);
}

/** The weaker of two roles (undefined when either is). */
export function weaker(
  a: Role | undefined,
  b: Role | undefined,
): Role | undefined {
  if (a === undefined || b === undefined) return undefined;
  return rank(a) <= rank(b) ? a : b;
}
