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
