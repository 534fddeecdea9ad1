import { join } from "node:path";
import type { SealedVersion } from "../../secrets/index.js";
import type { CliContext } from "../context.js";

/** One entry of `GET /api/v1/secrets/:project`: never a value. */
interface Summary {
  name: string;
  environment: string;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

interface AuditEntry {
  name: string;
  environment: string;
  version: number | null;
  action: string;
  actor: string;
  runId: string | null;
  createdAt: Date;
}

interface Scope {
  project: string;
  environment?: string | undefined;
}

/** `addedAt` is ISO text; the client's JSON reader makes a Date of it. */
interface Recipient {
  recipient: string;
  label: string;
  addedAt: string | Date;
  addedBy: string;
}

/** This terminal's age identity: SLUICE_AGE_IDENTITY, else the home's key file (made on first use). */
async function ownKeys(ctx: Pick<CliContext, "env" | "home">) {
  const [{ keySourceFrom }, { ensureHome, systemClock }] = await Promise.all([
    import("../../secrets/index.js"),
    import("../../kernel/index.js"),
  ]);
  if (!ctx.env.SLUICE_AGE_IDENTITY) ensureHome(ctx.home);
  return keySourceFrom(
    ctx.env.SLUICE_AGE_IDENTITY || undefined,
    join(ctx.home, "age-identity.txt"),
    systemClock,
  );
}

/** This terminal's own age recipient: its key, never the server's (makes the key file on first use). */
export async function ownRecipient(
  ctx: Pick<CliContext, "env" | "home">,
): Promise<{ recipient: string; created?: string }> {
  return (await ownKeys(ctx)).ensure();
}

/**
 * The secrets of the home's server, as the commands use them (ADR 105): every call goes over the
 * local socket as this terminal's actor. Values travel in request and answer bodies on that
 * socket (mode 0600, the owner's), never in a URL.
 */
export async function secretsClient(ctx: CliContext) {
  const [{ localClient }, { actorOf }] = await Promise.all([
    import("../client/local-server.js"),
    import("../actor.js"),
  ]);
  const client = localClient({ ...ctx, actor: actorOf(ctx) });
  // A terminal with its own identity checks that the server decrypts with the same one.
  const recipient = ctx.env.SLUICE_AGE_IDENTITY
    ? (await ownRecipient(ctx)).recipient
    : undefined;
  const base = (project: string) =>
    `/api/v1/secrets/${encodeURIComponent(project)}`;
  const envQuery = (environment: string | undefined) =>
    environment === undefined
      ? ""
      : `?environment=${encodeURIComponent(environment)}`;
  const post = <T>(project: string, verb: string, body: object) =>
    client.json<T>("POST", `${base(project)}/${verb}`, { ...body, recipient });

  return {
    set: (scope: Scope, name: string, value: string) =>
      post<{ version: number; createdKeyFile?: string }>(scope.project, "set", {
        name,
        value,
        environment: scope.environment,
      }),
    /** An age-encrypted file is decrypted here, with this terminal's identity. */
    async importFile(scope: Scope, file: { name: string; bytes: Uint8Array }) {
      const { decryptValue, isAgeFile } =
        await import("../../secrets/index.js");
      const bytes = isAgeFile(file.bytes)
        ? Buffer.from(
            await decryptValue(
              file.bytes,
              await (await ownKeys(ctx)).identities(),
              file.name,
            ),
          )
        : Buffer.from(file.bytes);
      return post<{ names: string[]; createdKeyFile?: string }>(
        scope.project,
        "import",
        {
          name: file.name,
          base64: bytes.toString("base64"),
          environment: scope.environment,
        },
      );
    },
    /**
     * The values of `names`, or of every secret the scope sees: an audited read. The server
     * hands out the age files; they are decrypted here, with this terminal's identity.
     */
    async values(scope: Scope, names?: string[]): Promise<Map<string, string>> {
      const sealed = await client.json<SealedVersion[]>(
        "POST",
        `${base(scope.project)}/values`,
        { names, environment: scope.environment },
      );
      const { openVersion } = await import("../../secrets/index.js");
      const identities = await (await ownKeys(ctx)).identities();
      const values = new Map<string, string>();
      for (const version of sealed)
        values.set(
          version.name,
          await openVersion(version, version.armored, identities),
        );
      return values;
    },
    async get(scope: Scope, name: string) {
      const values = await this.values(scope, [name]);
      return { value: values.get(name) ?? "" };
    },
    ciphertext: (scope: Scope, name: string) =>
      client.json<{ armored: string; version: number }>(
        "GET",
        `${base(scope.project)}/age/${encodeURIComponent(name)}${envQuery(scope.environment)}`,
      ),
    list: (scope: Scope) =>
      client.json<Summary[]>(
        "GET",
        `${base(scope.project)}${envQuery(scope.environment)}`,
      ),
    history: (scope: Scope, name: string) =>
      client.json<
        {
          version: number;
          removed: boolean;
          createdAt: Date;
          createdBy: string;
        }[]
      >(
        "GET",
        `${base(scope.project)}/history/${encodeURIComponent(name)}${envQuery(scope.environment)}`,
      ),
    remove: (scope: Scope, name: string) =>
      client.json<{ version: number }>(
        "POST",
        `${base(scope.project)}/remove`,
        {
          name,
          environment: scope.environment,
        },
      ),
    auditLog: (project: string, name?: string) =>
      client.json<AuditEntry[]>(
        "GET",
        `${base(project)}/audit${name === undefined ? "" : `?name=${encodeURIComponent(name)}`}`,
      ),
    recipients: (project: string) =>
      client.json<Recipient[]>("GET", `${base(project)}/recipients`),
    addRecipient: (project: string, add: string, label: string) =>
      post<{ reencrypted: number }>(project, "recipients/add", { add, label }),
    removeRecipient: (project: string, remove: string) =>
      post<{ reencrypted: number }>(project, "recipients/remove", { remove }),
  };
}

export type SecretsClient = Awaited<ReturnType<typeof secretsClient>>;
