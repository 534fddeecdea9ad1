import type { Grant } from "./roles.js";

/** A user as listed: never a password hash. */
export interface UserSummary {
  id: string;
  name: string;
  email: string | null;
  hasPassword: boolean;
  roles: Grant[];
  createdAt: Date;
  createdBy: string;
}

export interface UserRecord {
  id: string;
  name: string;
  email: string | null;
  passwordHash: string | null;
  createdAt: Date;
  createdBy: string;
}

interface SessionRecord {
  id: string;
  userId: string;
  secretHash: string;
  createdAt: Date;
  expiresAt: Date;
}

/** An API token as listed: never its secret. */
export interface TokenSummary {
  id: string;
  name: string;
  user: string;
  roles: Grant[];
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export interface TokenRecord extends Omit<TokenSummary, "user"> {
  userId: string;
  secretHash: string;
}

/** What the accounts service persists: users and their roles, sessions, API tokens. */
export interface AccountStore {
  addUser(user: UserRecord, roles: Grant[]): Promise<void>;
  /** The user and their password hash (for a login), by name. */
  userByName(
    name: string,
  ): Promise<(UserRecord & { roles: Grant[] }) | undefined>;
  /** Sets a user's email (null removes it); false when no such user. */
  setEmail(name: string, email: string | null): Promise<boolean>;
  userByEmail(email: string): Promise<UserRecord | undefined>;
  userById(id: string): Promise<(UserRecord & { roles: Grant[] }) | undefined>;
  listUsers(): Promise<UserSummary[]>;
  /** Removes the user with their roles, sessions and tokens; false when there was none. */
  removeUser(name: string): Promise<boolean>;
  /** Replaces the user's role on `project` (`undefined` removes it); false when no such user. */
  setRole(
    name: string,
    grant: Grant | { project: string; role: undefined },
  ): Promise<boolean>;
  addSession(session: SessionRecord): Promise<void>;
  session(id: string): Promise<SessionRecord | undefined>;
  removeSession(id: string): Promise<void>;
  addToken(token: TokenRecord): Promise<void>;
  token(id: string): Promise<TokenRecord | undefined>;
  listTokens(filter: { userId?: string }): Promise<TokenSummary[]>;
  /** Marks the token revoked (the first revocation stands); undefined when no such token. */
  revokeToken(
    id: string,
    at: Date,
    by: string,
  ): Promise<TokenSummary | undefined>;
}
