import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import { urlName } from "../params.js";
import { principalOf } from "../route-auth.js";
import type { RouteAuth } from "../route-auth.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

/**
 * `sluice secrets` over the server (issue 14; ADR 105). No answer holds a value in clear: a read
 * hands out the stored age files, which the caller decrypts with its own identity (a developer of
 * the project; audited). Routes that take a value in clear (set, import) or decrypt with the
 * server's age identity (recipients add and rm, which re-encrypt) are the local socket's owner's
 * only. Names, versions, who and when: a viewer of the project.
 */

const date = z.date().meta({ type: "string", format: "date-time" });
const ProjectParams = z.object({ project: urlName });
const NameParams = ProjectParams.extend({ name: urlName });
/** `?environment=E`: without it, the project-wide scope (list: every scope). */
const EnvQuery = z.object({ environment: urlName.optional() });

/** Whose age identity the caller decrypts with; the server refuses to act with another one. */
const recipient = z
  .string()
  .max(200)
  .optional()
  .describe(
    "the age recipient of the caller's own identity (SLUICE_AGE_IDENTITY), when it has one",
  );
const LocalScope = z.object({
  environment: urlName.optional(),
  recipient,
});

const Summary = z.object({
  name: z.string(),
  environment: z.string().describe("'' for project-wide"),
  version: z.number().int(),
  updatedAt: date,
  updatedBy: z.string(),
});
const HistoryEntry = z.object({
  version: z.number().int(),
  removed: z.boolean(),
  createdAt: date,
  createdBy: z.string(),
});
const AuditEntry = z.object({
  id: z.string(),
  project: z.string(),
  environment: z.string(),
  name: z.string(),
  version: z.number().int().nullable(),
  action: z.enum([
    "set",
    "remove",
    "read",
    "recipient-add",
    "recipient-remove",
  ]),
  actor: z.string(),
  runId: z.string().nullable(),
  createdAt: date,
});
const Recipient = z.object({
  recipient: z.string(),
  label: z.string(),
  addedAt: z.string(),
  addedBy: z.string(),
});
/** A key file the server made just now: its owner must back it up. */
const createdKeyFile = z
  .string()
  .optional()
  .describe("the age identity file made by this request");
const Rekeyed = z.object({ reencrypted: z.number().int() });

export const secretRoutes: RouteModule<"secrets"> = (base, deps) => {
  const server = base.withTypeProvider<ZodTypeProvider>();
  const secrets = deps.app.secrets;
  const actor = (request: FastifyRequest) => principalOf(request).actor;
  const viewer: RouteAuth = {
    kind: "role",
    role: "viewer",
    project: "param",
  };
  const developer: RouteAuth = {
    kind: "role",
    role: "developer",
    project: "param",
  };
  const local: RouteAuth = { kind: "local" };

  /**
   * A terminal with its own SLUICE_AGE_IDENTITY talks to a server that decrypts with the home's
   * identity: they must be the same key, or the terminal would read and write with someone else's.
   */
  async function sameIdentity(caller: string | undefined) {
    if (caller === undefined) return;
    const own = await secrets.ownRecipient();
    if (own.recipient !== caller)
      throw new AppError(
        "CONFLICT",
        `the local server decrypts with another age identity (${own.recipient}) than SLUICE_AGE_IDENTITY here (${caller}): stop it (\`sluice server stop\`) so that the next command starts one with this terminal's identity`,
      );
  }

  /** A first write makes the keyring with the server's recipient: it must be the caller's. */
  async function mayWrite(project: string, caller: string | undefined) {
    if ((await secrets.recipients(project)).length === 0)
      await sameIdentity(caller);
  }

  server.get(
    "/api/v1/secrets/:project",
    {
      config: { auth: viewer },
      schema: {
        summary:
          "a project's secrets: names, scope, version, who and when, never values (`sluice secrets list`)",
        params: ProjectParams,
        querystring: EnvQuery,
        response: { 200: z.array(Summary) },
      },
    },
    ({ params, query }) =>
      secrets.list({ project: params.project, environment: query.environment }),
  );

  server.get(
    "/api/v1/secrets/:project/history/:name",
    {
      config: { auth: viewer },
      schema: {
        summary:
          "the versions of a secret in one scope, never values (`sluice secrets history`)",
        params: NameParams,
        querystring: EnvQuery,
        response: { 200: z.array(HistoryEntry) },
      },
    },
    ({ params, query }) =>
      secrets.history(
        { project: params.project, environment: query.environment },
        params.name,
      ),
  );

  server.get(
    "/api/v1/secrets/:project/audit",
    {
      config: { auth: viewer },
      schema: {
        summary:
          "who set, removed or read which secret, and from which run (`sluice secrets audit`)",
        params: ProjectParams,
        querystring: z.object({ name: urlName.optional() }),
        response: { 200: z.array(AuditEntry) },
      },
    },
    ({ params, query }) => secrets.auditLog(params.project, query.name),
  );

  server.get(
    "/api/v1/secrets/:project/recipients",
    {
      config: { auth: viewer },
      schema: {
        summary:
          "the age recipients of a project's secrets (`sluice secrets recipients list`)",
        params: ProjectParams,
        response: { 200: z.array(Recipient) },
      },
    },
    ({ params }) => secrets.recipients(params.project),
  );

  server.get(
    "/api/v1/secrets/:project/age/:name",
    {
      config: { auth: developer },
      schema: {
        summary:
          "the stored age file of a secret, not decrypted (`sluice secrets get --age`)",
        params: NameParams,
        querystring: EnvQuery,
        response: {
          200: z.object({ armored: z.string(), version: z.number().int() }),
        },
      },
    },
    ({ params, query }) =>
      secrets.ciphertext(
        { project: params.project, environment: query.environment },
        params.name,
      ),
  );

  server.post(
    "/api/v1/secrets/:project/remove",
    {
      config: { auth: developer },
      schema: {
        summary:
          "remove a secret from one scope; its history stays (`sluice secrets rm`)",
        params: ProjectParams,
        body: z.object({ name: z.string(), environment: urlName.optional() }),
        response: { 200: z.object({ version: z.number().int() }) },
      },
    },
    (request) =>
      secrets.remove(
        {
          project: request.params.project,
          environment: request.body.environment,
        },
        request.body.name,
        actor(request),
      ),
  );

  server.post(
    "/api/v1/secrets/:project/set",
    {
      config: { auth: local },
      schema: {
        summary:
          "store a new version of a secret, encrypted to the project's recipients (`sluice secrets set`); the socket's owner only",
        params: ProjectParams,
        body: LocalScope.extend({
          name: z.string(),
          value: z.string().describe("the value: never logged, never answered"),
        }),
        response: {
          200: z.object({ version: z.number().int(), createdKeyFile }),
        },
      },
    },
    async (request) => {
      const { body, params } = request;
      await mayWrite(params.project, body.recipient);
      return secrets.set(
        { project: params.project, environment: body.environment },
        body.name,
        body.value,
        actor(request),
      );
    },
  );

  server.post(
    "/api/v1/secrets/:project/import",
    {
      config: { auth: local },
      schema: {
        summary:
          "import every NAME=value of a .env file, all or nothing (`sluice secrets import`; the client decrypts an age-encrypted one first); the socket's owner only",
        params: ProjectParams,
        body: LocalScope.extend({
          name: z.string().max(4096).describe("the file's name, for messages"),
          base64: z.string().describe("the file's bytes"),
        }),
        response: {
          200: z.object({ names: z.array(z.string()), createdKeyFile }),
        },
      },
    },
    async (request) => {
      const { body, params } = request;
      await mayWrite(params.project, body.recipient);
      return secrets.importFile(
        { project: params.project, environment: body.environment },
        { name: body.name, bytes: Buffer.from(body.base64, "base64") },
        actor(request),
      );
    },
  );

  server.post(
    "/api/v1/secrets/:project/values",
    {
      config: { auth: developer },
      schema: {
        summary:
          "the stored age files of the named secrets, or of every secret the environment sees, for the caller to decrypt with its own identity (`sluice secrets get`, `sluice secrets exec`): an audited read; the server decrypts nothing",
        params: ProjectParams,
        body: z.object({
          environment: urlName.optional(),
          names: z
            .array(z.string())
            .optional()
            .describe("without it, every secret the scope sees"),
        }),
        response: {
          200: z.array(
            z.object({
              project: z.string(),
              environment: z.string(),
              name: z.string(),
              version: z.number().int(),
              armored: z.string().describe("an ASCII-armored age file"),
            }),
          ),
        },
      },
    },
    (request) =>
      secrets.sealed(
        {
          project: request.params.project,
          environment: request.body.environment,
        },
        request.body.names ?? "all",
        { actor: actor(request) },
      ),
  );

  server.post(
    "/api/v1/secrets/:project/recipients/add",
    {
      config: { auth: local },
      schema: {
        summary:
          "add an age recipient and re-encrypt every version (`sluice secrets recipients add`); the socket's owner only: it decrypts with the server's identity",
        params: ProjectParams,
        body: z.object({
          add: z.string().max(200),
          label: z.string().max(200).optional(),
          recipient,
        }),
        response: { 200: Rekeyed },
      },
    },
    async (request) => {
      const { body, params } = request;
      await sameIdentity(body.recipient);
      const done = await secrets.addRecipient(
        params.project,
        body.add,
        body.label ?? body.add,
        actor(request),
      );
      return { reencrypted: done.reencrypted };
    },
  );

  server.post(
    "/api/v1/secrets/:project/recipients/remove",
    {
      config: { auth: local },
      schema: {
        summary:
          "remove an age recipient and re-encrypt every version without it (`sluice secrets recipients rm`); the socket's owner only",
        params: ProjectParams,
        body: z.object({ remove: z.string().max(200), recipient }),
        response: { 200: Rekeyed },
      },
    },
    async (request) => {
      const { body, params } = request;
      await sameIdentity(body.recipient);
      const done = await secrets.removeRecipient(
        params.project,
        body.remove,
        actor(request),
      );
      return { reencrypted: done.reencrypted };
    },
  );
};
