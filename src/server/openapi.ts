import type { FastifyInstance, RouteOptions } from "fastify";
import { z } from "zod";
import type { RouteAuth } from "./route-auth.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered so far (`catalogRoutes`), for `GET /openapi.json`. */
    routeCatalog: readonly CatalogRoute[];
  }
}

/** What the OpenAPI document needs of one registered route. */
export interface CatalogRoute {
  method: string;
  url: string;
  auth: RouteAuth | undefined;
  schema: RouteOptions["schema"];
}

/**
 * Records every route the server registers (an onRoute hook on the root, so every module's
 * routes are seen), for the OpenAPI document. Install it before the route modules register.
 */
export function catalogRoutes(server: FastifyInstance): void {
  const routes: CatalogRoute[] = [];
  server.decorate("routeCatalog", routes);
  server.addHook("onRoute", (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD twin to each GET: the document names the GET.
      if (method === "HEAD") continue;
      routes.push({
        method,
        url: route.url,
        auth: route.config?.auth,
        schema: route.schema,
      });
    }
  });
}

/** The RFC 9457 body of every error the server answers (src/server/problem.ts). */
export const ProblemBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().describe("a stable sluice error code, e.g. NOT_FOUND"),
  location: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  frame: z
    .string()
    .optional()
    .describe("lines shown under the message: a code frame, a hint"),
  correlationId: z
    .string()
    .optional()
    .describe("on a 5xx: quote it to the operator"),
});

type JsonSchema = Record<string, unknown>;

/** An OpenAPI 3.1 document, as far as this module writes one. */
export interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, JsonSchema>>;
  components: JsonSchema;
}

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a client sends or receives it:
 * the input side of transforms and pipes, dates as `date-time` strings (JSON.stringify's form).
 */
function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === "date") {
        ctx.jsonSchema.type = "string";
        ctx.jsonSchema.format = "date-time";
      }
    },
  });
  return rest;
}

const isZod = (value: unknown): value is z.ZodType =>
  value instanceof z.ZodType;

/** Bodies that handlers parse themselves, and the schema the document shows for each. */
const parsedLater = new WeakMap<z.ZodType, z.ZodType>();

/**
 * A body the server passes through unchecked because its handler parses it with messages of
 * its own (a capability's payload parser): the document shows `schema`.
 */
export function parsedByHandler(
  schema: z.ZodType,
  description: string,
): z.ZodUnknown {
  const body = z.unknown().describe(description);
  parsedLater.set(body, schema);
  return body;
}

/** A zod object's properties and which are required, for path and query parameters. */
function parametersOf(schema: unknown, where: "path" | "query"): JsonSchema[] {
  if (!isZod(schema)) return [];
  const json = jsonSchemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    ...(typeof property.description === "string"
      ? { description: property.description }
      : {}),
    schema: property,
  }));
}

/** Fastify's per-media-type form of a declared response. */
const ContentResponse = z.object({
  description: z.string().optional(),
  content: z.record(z.string(), z.object({ schema: z.unknown() })),
});

/**
 * A declared response: a zod schema (JSON), `z.undefined()` (no body), or fastify's
 * `{ description, content: { [mediaType]: { schema } } }`.
 */
function responseOf(status: string, declared: unknown): JsonSchema {
  const fallback =
    status.startsWith("2") || status === "304" ? "success" : "error";
  if (isZod(declared)) {
    const description = declared.description ?? fallback;
    if (declared._zod.def.type === "undefined") return { description };
    return {
      description,
      content: { "application/json": { schema: jsonSchemaOf(declared) } },
    };
  }
  const { description, content } = ContentResponse.parse(declared);
  return {
    description: description ?? fallback,
    content: Object.fromEntries(
      Object.entries(content).map(([media, { schema }]) => [
        media,
        { schema: isZod(schema) ? jsonSchemaOf(schema) : {} },
      ]),
    ),
  };
}

/** Who may call a route, in OpenAPI's terms (`components.securitySchemes` below). */
function securityOf(auth: RouteAuth | undefined): Record<string, string[]>[] {
  switch (auth?.kind) {
    case "admin":
    case "local":
    case "role":
    case "signedIn":
      return accountSecurity;
    case "metrics":
      return [...accountSecurity, { metricsToken: [] }];
    case "flagKey":
      return [
        { flagKey: [] },
        { flagKeyHeader: [] },
        ...(auth.streamUrl ? [{ streamKey: [], streamToken: [] }] : []),
      ];
    case "webhook":
      return [
        auth.source === "github"
          ? { githubSignature: [] }
          : { pagerDutySignature: [] },
      ];
    default:
      return [];
  }
}

/** The admin token, an account's API token, or a browser session (ADR 093). */
const accountSecurity: Record<string, string[]>[] = [
  { adminToken: [] },
  { apiToken: [] },
  { session: [] },
];

const securitySchemes = {
  apiToken: {
    type: "http",
    scheme: "bearer",
    description:
      "an account's API token (sluice tokens create), scoped to roles on projects",
  },
  session: {
    type: "apiKey",
    in: "cookie",
    name: "sluice_session",
    description:
      "a browser session (POST /api/v1/auth/login); unsafe methods also send X-CSRF-Token",
  },
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "the server's admin token ($SLUICE_HOME/server.json)",
  },
  metricsToken: {
    type: "http",
    scheme: "bearer",
    description: "the metrics token (SLUICE_METRICS_TOKEN)",
  },
  flagKey: {
    type: "http",
    scheme: "bearer",
    description: "a flag API key (sluice flags keys create)",
  },
  flagKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
  streamKey: { type: "apiKey", in: "query", name: "key" },
  streamToken: {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "the key-bound token of an event stream URL",
  },
  githubSignature: {
    type: "apiKey",
    in: "header",
    name: "X-Hub-Signature-256",
    description: "HMAC-SHA256 of the raw body (SLUICE_GITHUB_WEBHOOK_SECRET)",
  },
  pagerDutySignature: {
    type: "apiKey",
    in: "header",
    name: "X-PagerDuty-Signature",
    description:
      "HMAC-SHA256 of the raw body (SLUICE_PAGERDUTY_WEBHOOK_SECRET)",
  },
};

/**
 * The OpenAPI 3.1 document of the registered routes, generated from each route's zod schemas
 * (params, querystring, body, response) and its declared authorization. Every operation also
 * names the problem+json body of its 4xx and 5xx answers, unless it declares its own.
 */
export function openApiDocument(
  routes: readonly CatalogRoute[],
  info: { title: string; version: string },
): OpenApi {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    const declared = (schema.response ?? {}) as Record<string, unknown>;
    const responses: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(declared))
      responses[status.toUpperCase()] = responseOf(status, response);
    for (const range of ["4XX", "5XX"])
      responses[range] ??= {
        description: "a problem (RFC 9457)",
        content: {
          "application/problem+json": {
            schema: { $ref: "#/components/schemas/Problem" },
          },
        },
      };
    const body = schema.body;
    const parameters = [
      ...parametersOf(schema.params, "path"),
      ...parametersOf(schema.querystring, "query"),
    ];
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(isZod(body)
        ? {
            requestBody: {
              required: !(parsedLater.get(body) ?? body).safeParse(undefined)
                .success,
              ...(body.description ? { description: body.description } : {}),
              content: {
                "application/json": {
                  schema: jsonSchemaOf(parsedLater.get(body) ?? body),
                },
              },
            },
          }
        : {}),
      responses,
      security: securityOf(route.auth),
      // No OpenAPI scheme says "the peer of a Unix socket": the route says it in words.
      ...(route.auth?.kind === "local"
        ? {
            description:
              "Only the local CLI of the server's home, over its Unix socket (mode 0600): no token or role over the network reaches it.",
          }
        : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: { Problem: jsonSchemaOf(ProblemBody) },
      securitySchemes,
    },
  };
}
