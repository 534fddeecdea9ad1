import { AppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { KeySource } from "./keys.js";
import type {
  Keyring,
  Recipient,
  SecretStore,
  SecretVersion,
} from "./ports.js";
import { checkRecipient, encryptValue } from "./vault.js";

/** How often a write is tried again when the recipients changed under it. */
const retries = 3;

/**
 * Rethrows `error` unless it is a keyring conflict (the recipients changed under a write, which
 * then encrypted to old ones) and `attempt` may be followed by another.
 */
export function rethrowUnlessRetry(error: unknown, attempt: number): void {
  const conflict = error instanceof AppError && error.code === "CONFLICT";
  if (!conflict || attempt >= retries) throw error;
}

export interface RecipientsOptions {
  store: SecretStore;
  keys: KeySource;
  clock: Clock;
  /** Decrypts a stored version, to encrypt it again to the new recipients. */
  open: (version: SecretVersion) => Promise<string>;
}

/**
 * The recipients of a project's vault: its keyring (made with this user's recipient on first
 * use), and every stored version re-encrypted when a recipient is added or removed.
 */
export function createRecipients(options: RecipientsOptions) {
  const { store, keys, clock, open } = options;
  const today = () => new Date(clock.now()).toISOString();

  /** The keyring of the project, made with this user's recipient on first use. */
  async function keyringFor(
    project: string,
    actor: string,
  ): Promise<{ keyring: Keyring; createdKeyFile: string | undefined }> {
    const existing = await store.keyring(project);
    if (existing) return { keyring: existing, createdKeyFile: undefined };
    const own = await keys.ensure();
    await store.createKeyring(
      project,
      {
        recipient: own.recipient,
        label: actor,
        addedAt: today(),
        addedBy: actor,
      },
      actor,
    );
    const keyring = await store.keyring(project);
    if (!keyring) throw new AppError("INTERNAL", "the keyring was not saved");
    return { keyring, createdKeyFile: own.created };
  }

  async function rekey(
    project: string,
    actor: string,
    change: (recipients: Recipient[]) => Recipient[],
    audit: { action: "recipient-add" | "recipient-remove"; recipient: string },
  ) {
    for (let attempt = 0; ; attempt++) {
      const { keyring } = await keyringFor(project, actor);
      const recipients = change(keyring.recipients);
      if (recipients.length === 0)
        throw new AppError(
          "INVALID_ARGUMENT",
          `${audit.recipient} is the last recipient of project ${project}; add another first`,
        );
      const targets = recipients.map((r) => r.recipient);
      try {
        const reencrypted = await store.rekey(
          project,
          keyring.epoch,
          recipients,
          async (version) => encryptValue(await open(version), targets),
          {
            project,
            environment: "",
            name: audit.recipient,
            version: null,
            action: audit.action,
            actor,
            runId: null,
          },
        );
        return { reencrypted, recipients };
      } catch (error) {
        rethrowUnlessRetry(error, attempt);
      }
    }
  }

  return {
    keyringFor,

    async recipients(project: string): Promise<Recipient[]> {
      return (await store.keyring(project))?.recipients ?? [];
    },

    /** Adds a recipient and re-encrypts every stored version to the new set. */
    async addRecipient(
      project: string,
      recipient: string,
      label: string,
      actor: string,
    ) {
      await checkRecipient(recipient);
      return rekey(
        project,
        actor,
        (current) => {
          if (current.some((r) => r.recipient === recipient))
            throw new AppError(
              "CONFLICT",
              `${recipient} is a recipient of project ${project} already`,
            );
          return [
            ...current,
            { recipient, label, addedAt: today(), addedBy: actor },
          ];
        },
        { action: "recipient-add", recipient },
      );
    },

    /** Removes a recipient and re-encrypts every stored version without it. */
    async removeRecipient(project: string, recipient: string, actor: string) {
      return rekey(
        project,
        actor,
        (current) => {
          if (!current.some((r) => r.recipient === recipient))
            throw new AppError(
              "NOT_FOUND",
              `${recipient} is not a recipient of project ${project}`,
            );
          return current.filter((r) => r.recipient !== recipient);
        },
        { action: "recipient-remove", recipient },
      );
    },

    /** This user's recipient (`age1…`), making the key file on first use. */
    async ownRecipient() {
      return keys.ensure();
    },
  };
}
