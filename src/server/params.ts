import { z } from "zod";

/**
 * A name from a URL (project, environment, flag key, id): 1–200 characters, none of them a
 * control character. A NUL or a newline in a path cannot name anything, and a NUL would only
 * fail later, inside a query, as a 500 (issue 10 item 8).
 */
export const urlName = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters");

/** `/:project/:environment` */
export const ScopeParams = z.object({ project: urlName, environment: urlName });

/** `/:project/:environment/flags/:key` */
export const FlagParams = ScopeParams.extend({ key: urlName });

/** `/:environment` */
export const EnvironmentParams = z.object({ environment: urlName });

/** `/:id` */
export const IdParams = z.object({ id: urlName });

/** An optional query filter on project and environment (each at most once). */
export const ScopeFilterQuery = z.object({
  project: urlName.optional(),
  environment: urlName.optional(),
});
