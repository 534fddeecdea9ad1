import type { FastifyTypeProvider } from "fastify";
import type { z } from "zod";

/**
 * Types a route's request from its zod schemas (`params`, `querystring`, `body`): handlers read
 * the parsed values, no casts. The server's validator compiler (app.ts) does the parsing; a
 * route module opts in with `server.withTypeProvider<ZodTypeProvider>()`.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  readonly validator: this["schema"] extends z.ZodType
    ? z.output<this["schema"]>
    : unknown;
  readonly serializer: this["schema"] extends z.ZodType
    ? z.input<this["schema"]>
    : unknown;
}

/** Response schemas the serializer writes without checking (see {@link documentedResponse}). */
const unchecked = new WeakSet<object>();

/**
 * Marks a response schema as documentation only: `/openapi.json` still describes the answer, and
 * the type provider still checks the handler's body at compile time, but the serializer does not
 * parse it on every answer. For hot routes whose body one typed function builds (OFREP's
 * evaluations, ADR 015); every other route keeps the check of ADR 092.
 */
export function documentedResponse<T extends z.ZodType>(schema: T): T {
  unchecked.add(schema);
  return schema;
}

/** Whether the serializer checks answers against this response schema. */
export const isCheckedResponse = (schema: unknown): boolean =>
  !(typeof schema === "object" && schema !== null && unchecked.has(schema));
