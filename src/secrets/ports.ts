/** The scope of a secret: a project, and an environment ('' for the whole project). */
export interface SecretKey {
  project: string;
  /** '' for a project-wide secret; an environment's value overrides it. */
  environment: string;
  name: string;
}

/** One stored version: the armored age file, or null when this version removed the secret. */
export interface SecretVersion extends SecretKey {
  version: number;
  ciphertext: string | null;
  createdAt: Date;
  createdBy: string;
}

export interface Recipient {
  recipient: string;
  label: string;
  addedAt: string;
  addedBy: string;
}

/** A project's recipients; `epoch` moves at every change, so a write to old recipients is refused. */
export interface Keyring {
  project: string;
  recipients: Recipient[];
  epoch: number;
}

export type AuditAction =
  "set" | "remove" | "read" | "recipient-add" | "recipient-remove";

export interface SecretAuditEntry extends SecretKey {
  id: string;
  version: number | null;
  action: AuditAction;
  actor: string;
  runId: string | null;
  createdAt: Date;
}

/** A version to append: its number is the next one of its secret. */
interface NewVersion extends SecretKey {
  ciphertext: string | null;
}

/** What the secrets capability needs from the database. */
export interface SecretStore {
  keyring(project: string): Promise<Keyring | undefined>;
  /** Creates the keyring with its first recipient; false when one exists already. */
  createKeyring(
    project: string,
    first: Recipient,
    actor: string,
  ): Promise<boolean>;
  /**
   * Appends versions (one transaction), each numbered after its secret's latest, provided the
   * keyring is still at `epoch` (else CONFLICT: the values were encrypted to old recipients).
   */
  append(
    project: string,
    epoch: number,
    versions: NewVersion[],
    actor: string,
    audit: Omit<SecretAuditEntry, "id" | "createdAt" | "version">[],
  ): Promise<number[]>;
  /** The latest version of each secret of the project (removals included). */
  latest(project: string): Promise<SecretVersion[]>;
  history(key: SecretKey): Promise<SecretVersion[]>;
  /**
   * Replaces the recipients and re-encrypts every version that holds ciphertext, in one
   * transaction that holds the keyring's lock (a value set meanwhile waits, then sees the new
   * epoch), if the keyring is still at `epoch` (else CONFLICT).
   */
  rekey(
    project: string,
    epoch: number,
    recipients: Recipient[],
    reencrypt: (version: SecretVersion) => Promise<string>,
    audit: Omit<SecretAuditEntry, "id" | "createdAt">,
  ): Promise<number>;
  audit(entries: Omit<SecretAuditEntry, "id" | "createdAt">[]): Promise<void>;
  auditLog(project: string, name?: string): Promise<SecretAuditEntry[]>;
}
