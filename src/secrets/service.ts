import { AppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { parseDotenv } from "./dotenv.js";
import type { KeySource } from "./keys.js";
import { checkName, checkValue } from "./names.js";
import type { SecretAuditEntry, SecretStore, SecretVersion } from "./ports.js";
import { createRecipients, rethrowUnlessRetry } from "./recipients.js";
import { effective, envOf, where } from "./scope.js";
import type { SecretScope } from "./scope.js";
import { decryptValue, encryptValue, isAgeFile } from "./vault.js";

/** A stored version as a reader gets it: the age file, to decrypt with the reader's identity. */
export interface SealedVersion {
  project: string;
  environment: string;
  name: string;
  version: number;
  armored: string;
}

/** Decrypts a stored version's age file with `identities`; a damaged one is a clear error naming it. */
export function openVersion(
  version: Omit<SealedVersion, "armored">,
  armored: string,
  identities: string[],
): Promise<string> {
  return decryptValue(
    armored,
    identities,
    `secret ${version.name} (${where(version.project, version.environment)}, version ${version.version})`,
  );
}

/** Who reads a value, for the audit log: a person, or a run's step. */
export interface Reader {
  actor: string;
  runId?: string | undefined;
}

/** A secret as `list` shows it: never its value. */
export interface SecretSummary {
  name: string;
  /** '' for project-wide. */
  environment: string;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

/** One entry of `history`: a version, who made it and when; `removed` when it removed the secret. */
export interface SecretHistoryEntry {
  version: number;
  removed: boolean;
  createdAt: Date;
  createdBy: string;
}

export interface SecretsServiceOptions {
  store: SecretStore;
  keys: KeySource;
  clock: Clock;
}

/** Secrets: an age vault per project, values scoped to project and environment, every read audited. */
export function createSecretsService(options: SecretsServiceOptions) {
  const { store, keys, clock } = options;
  // Recipients and re-encryption (recipients.ts); `open` is declared below.
  const keyrings = createRecipients({ store, keys, clock, open });

  /** Encrypts and appends values; retried once if the recipients changed meanwhile. */
  async function write(
    scope: SecretScope,
    values: { name: string; value: string | null }[],
    actor: string,
  ) {
    const environment = envOf(scope);
    let createdKeyFile: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const ring = await keyrings.keyringFor(scope.project, actor);
      createdKeyFile ??= ring.createdKeyFile;
      const recipients = ring.keyring.recipients.map((r) => r.recipient);
      const versions = await Promise.all(
        values.map(async ({ name, value }) => ({
          project: scope.project,
          environment,
          name,
          ciphertext:
            value === null ? null : await encryptValue(value, recipients),
        })),
      );
      try {
        const numbers = await store.append(
          scope.project,
          ring.keyring.epoch,
          versions,
          actor,
          versions.map((v) => ({
            project: v.project,
            environment,
            name: v.name,
            action: v.ciphertext === null ? "remove" : "set",
            actor,
            runId: null,
          })),
        );
        return { versions: numbers, createdKeyFile };
      } catch (error) {
        rethrowUnlessRetry(error, attempt);
      }
    }
  }

  async function open(version: SecretVersion): Promise<string> {
    return openVersion(
      version,
      version.ciphertext ?? "",
      await keys.identities(),
    );
  }

  /** The effective version of each of `names` (or of every secret the scope sees). */
  async function pick(
    scope: SecretScope,
    names: readonly string[] | "all",
  ): Promise<Map<string, SecretVersion>> {
    const environment = envOf(scope);
    const latest = await store.latest(scope.project);
    const wanted =
      names === "all"
        ? [
            ...new Set(
              latest
                .filter(
                  (v) => v.environment === "" || v.environment === environment,
                )
                .map((v) => v.name),
            ),
          ].sort()
        : names;
    const found = new Map<string, SecretVersion>();
    const missing: string[] = [];
    for (const name of wanted) {
      checkName(name);
      const version = effective(latest, environment, name);
      if (version) found.set(name, version);
      else if (names !== "all") missing.push(name);
    }
    if (missing.length > 0)
      throw new AppError(
        "NOT_FOUND",
        `${missing.length === 1 ? "secret" : "secrets"} ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set for ${where(scope.project, environment)}${environment === "" ? "" : " (nor project-wide)"}`,
      );
    return found;
  }

  /** Records a read of each version by `reader`. */
  const audited = (
    project: string,
    versions: Iterable<SecretVersion>,
    reader: Reader,
  ) =>
    store.audit(
      [...versions].map((version) => ({
        project,
        environment: version.environment,
        name: version.name,
        version: version.version,
        action: "read",
        actor: reader.actor,
        runId: reader.runId ?? null,
      })),
    );

  async function resolve(
    scope: SecretScope,
    names: readonly string[] | "all",
    reader: Reader,
  ): Promise<Map<string, { value: string; version: SecretVersion }>> {
    const found = await pick(scope, names);
    // Decrypt everything before recording any read: a damaged value fails the whole request.
    const values = new Map<string, { value: string; version: SecretVersion }>();
    for (const [name, version] of found)
      values.set(name, { value: await open(version), version });
    await audited(
      scope.project,
      [...values.values()].map((v) => v.version),
      reader,
    );
    return values;
  }

  return {
    /** Stores a new version of NAME; `createdKeyFile` is set when this made the user's key file. */
    async set(scope: SecretScope, name: string, value: string, actor: string) {
      checkName(name);
      checkValue(name, value);
      const { versions, createdKeyFile } = await write(
        scope,
        [{ name, value }],
        actor,
      );
      return { version: versions[0] ?? 0, createdKeyFile };
    },

    /**
     * Imports a `.env` file (plain, or an age file encrypted to this user's identity) all at once:
     * any problem, reported with its line, imports nothing.
     */
    async importFile(
      scope: SecretScope,
      file: { name: string; bytes: Uint8Array },
      actor: string,
    ) {
      envOf(scope);
      const text = isAgeFile(file.bytes)
        ? await decryptValue(file.bytes, await keys.identities(), file.name)
        : Buffer.from(file.bytes).toString("utf8");
      const { entries, problems } = parseDotenv(text);
      for (const entry of entries) {
        try {
          checkName(entry.name);
          checkValue(entry.name, entry.value);
        } catch (error) {
          problems.push({
            line: entry.line,
            message: error instanceof Error ? error.message : String(error),
          });
        }
      }
      if (problems.length === 0 && entries.length === 0)
        throw new AppError(
          "INVALID_ARGUMENT",
          `${file.name}: no NAME=value line; nothing imported`,
        );
      if (problems.length > 0)
        throw new AppError(
          "CONFIG_INVALID",
          `${file.name}: ${problems.length} ${problems.length === 1 ? "problem" : "problems"}; nothing imported`,
          {
            detail: problems
              .sort((a, b) => a.line - b.line)
              .map((p) => `  ${file.name}:${p.line}: ${p.message}`)
              .join("\n"),
          },
        );
      const { createdKeyFile } = await write(scope, entries, actor);
      return { names: entries.map((e) => e.name), createdKeyFile };
    },

    /** The value of NAME for the scope (the environment's, else the project's); an audited read. */
    async get(scope: SecretScope, name: string, reader: Reader) {
      const values = await resolve(scope, [name], reader);
      const found = values.get(name);
      if (!found) throw new AppError("INTERNAL", `secret ${name} was not read`);
      return {
        value: found.value,
        version: found.version.version,
        environment: found.version.environment,
      };
    },

    /**
     * The stored age file of NAME for the scope, not decrypted (`age -d -i KEY` opens it): for
     * interop and for backups. Not a read of the value, so not audited as one.
     */
    async ciphertext(scope: SecretScope, name: string) {
      checkName(name);
      const environment = envOf(scope);
      const version = effective(
        await store.latest(scope.project),
        environment,
        name,
      );
      if (!version?.ciphertext)
        throw new AppError(
          "NOT_FOUND",
          `secret ${name} is not set for ${where(scope.project, environment)}`,
        );
      return { armored: version.ciphertext, version: version.version };
    },

    /**
     * The values of `names` (or of every secret of the scope) as an environment: a job's secrets,
     * `secrets exec`. Names that are not set fail it all, naming them and the environment.
     */
    async values(
      scope: SecretScope,
      names: readonly string[] | "all",
      reader: Reader,
    ): Promise<Map<string, string>> {
      const values = await resolve(scope, names, reader);
      return new Map([...values].map(([name, v]) => [name, v.value]));
    },

    /**
     * The stored age files of `names` (or of every secret the scope sees), handed to a reader
     * that decrypts them with its own identity (`openVersion`): an audited read, the server
     * decrypts nothing (ADR 105).
     */
    async sealed(
      scope: SecretScope,
      names: readonly string[] | "all",
      reader: Reader,
    ): Promise<SealedVersion[]> {
      const found = [...(await pick(scope, names)).values()];
      await audited(scope.project, found, reader);
      return found.map((v) => ({
        project: v.project,
        environment: v.environment,
        name: v.name,
        version: v.version,
        armored: v.ciphertext ?? "",
      }));
    },

    /** Names, scopes, versions, who and when; never values. With an environment: what it sees. */
    async list(scope: SecretScope): Promise<SecretSummary[]> {
      const latest = (await store.latest(scope.project)).filter(
        (v) => v.ciphertext !== null,
      );
      const environment =
        scope.environment === undefined ? undefined : envOf(scope);
      const shown =
        environment === undefined
          ? latest
          : latest.filter(
              (v) =>
                effective(latest, environment, v.name) === v &&
                (v.environment === "" || v.environment === environment),
            );
      return shown.map((v) => ({
        name: v.name,
        environment: v.environment,
        version: v.version,
        updatedAt: v.createdAt,
        updatedBy: v.createdBy,
      }));
    },

    async history(
      scope: SecretScope,
      name: string,
    ): Promise<SecretHistoryEntry[]> {
      checkName(name);
      const environment = envOf(scope);
      const versions = await store.history({
        project: scope.project,
        environment,
        name,
      });
      if (versions.length === 0)
        throw new AppError(
          "NOT_FOUND",
          `secret ${name} was never set for ${where(scope.project, environment)}`,
        );
      return versions.map((v) => ({
        version: v.version,
        removed: v.ciphertext === null,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
      }));
    },

    async remove(scope: SecretScope, name: string, actor: string) {
      checkName(name);
      const environment = envOf(scope);
      const current = (await store.latest(scope.project)).find(
        (v) => v.environment === environment && v.name === name,
      );
      if (!current?.ciphertext)
        throw new AppError(
          "NOT_FOUND",
          `secret ${name} is not set for ${where(scope.project, environment)}`,
        );
      const { versions } = await write(scope, [{ name, value: null }], actor);
      return { version: versions[0] ?? 0 };
    },

    recipients: keyrings.recipients,
    addRecipient: keyrings.addRecipient,
    removeRecipient: keyrings.removeRecipient,
    ownRecipient: keyrings.ownRecipient,

    auditLog(project: string, name?: string): Promise<SecretAuditEntry[]> {
      if (name !== undefined) checkName(name);
      return store.auditLog(project, name);
    },
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
