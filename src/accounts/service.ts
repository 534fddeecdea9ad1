import { AppError, newId } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import {
  issueSession,
  issueToken,
  parseSession,
  parseToken,
  secretMatches,
  csrfTokenOf,
} from "./credentials.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import type { ScryptParams } from "./passwords.js";
import type { AccountStore, TokenSummary, UserSummary } from "./ports.js";
import { checkGrants, checkUserName, emailOf } from "./fields.js";
import { atLeast, everyProject, roleOn, weaker } from "./roles.js";
import type { Grant, Role } from "./roles.js";

/** Who a session or an API token belongs to, and what it may do. */
export interface Identity {
  userId: string;
  name: string;
  /** The person's email (lower case), when the account has one: the gate's author check uses it. */
  email: string | undefined;
  via: "session" | "token";
  /** The session's or the token's id (never its secret). */
  credentialId: string;
  /** The role this credential holds on `project`: a token's is the weaker of its own and its user's. */
  roleOn(project: string): Role | undefined;
}

/**
 * Who asks for an account operation: `owner` is the server's admin token or the local socket's
 * owner (anything goes); a `user` acts within their roles.
 */
export type Caller =
  | { kind: "owner"; actor: string }
  | { kind: "user"; actor: string; identity: Identity };

export interface Login {
  /** The session cookie's value: set once in the answer, never stored. */
  session: string;
  csrfToken: string;
  user: string;
  expiresAt: Date;
}

export interface CreatedToken extends TokenSummary {
  /** The token itself: shown once, never stored. */
  token: string;
}

export interface AccountsOptions {
  store: AccountStore;
  clock: Clock;
  /** How long a browser session lasts (default 12 hours). */
  sessionMs?: number;
  /** scrypt's parameters for new passwords (default `defaultScryptParams`). */
  scrypt?: ScryptParams;
}

const day = 86_400_000;
/** A token's lifetime when none is asked for, and the longest one may ask for. */
const defaultTokenMs = 90 * day;
const maxTokenMs = 366 * day;

/** Whether the caller administers the whole server (owner, or admin on `*`). */
function isServerAdmin(caller: Caller): boolean {
  return (
    caller.kind === "owner" ||
    atLeast(caller.identity.roleOn(everyProject), "admin")
  );
}

function needServerAdmin(caller: Caller, what: string): void {
  if (!isServerAdmin(caller))
    throw new AppError(
      "FORBIDDEN",
      `${what} needs the admin role on every project (*)`,
    );
}

// A login for an unknown name still pays one scrypt, so timing does not tell names apart.
let decoy: Promise<string> | undefined;

/** Users with passwords and roles, browser sessions and API tokens (ADR 093). */
export function createAccountsService(options: AccountsOptions) {
  const { store, clock } = options;
  const sessionMs = options.sessionMs ?? 12 * 3_600_000;
  const now = () => new Date(clock.now());

  return {
    async addUser(
      caller: Caller,
      input: {
        name: string;
        email?: string | undefined;
        password?: string | undefined;
        roles?: Grant[];
      },
    ): Promise<UserSummary> {
      needServerAdmin(caller, "adding a user");
      checkUserName(input.name);
      const email = input.email === undefined ? null : emailOf(input.email);
      const roles = input.roles ?? [];
      checkGrants(roles);
      if (await store.userByName(input.name))
        throw new AppError("CONFLICT", `user ${input.name} exists already`);
      if (email !== null && (await store.userByEmail(email)))
        throw new AppError(
          "CONFLICT",
          `another user has the email ${email} already`,
        );
      const record = {
        id: newId("usr", clock.now()),
        name: input.name,
        email,
        passwordHash:
          input.password === undefined
            ? null
            : await hashPassword(input.password, options.scrypt),
        createdAt: now(),
        createdBy: caller.actor,
      };
      await store.addUser(record, roles);
      return {
        id: record.id,
        name: record.name,
        email: record.email,
        hasPassword: record.passwordHash !== null,
        roles,
        createdAt: record.createdAt,
        createdBy: record.createdBy,
      };
    },

    /** Sets (or, with null, removes) a user's email: the gate knows a change's author by it. */
    async setEmail(
      caller: Caller,
      name: string,
      email: string | null,
    ): Promise<void> {
      needServerAdmin(caller, "changing a user's email");
      const lower = email === null ? null : emailOf(email);
      const holder =
        lower === null ? undefined : await store.userByEmail(lower);
      if (holder && holder.name !== name)
        throw new AppError(
          "CONFLICT",
          `another user has the email ${lower} already`,
        );
      if (!(await store.setEmail(name, lower)))
        throw new AppError("NOT_FOUND", `no user ${name}`);
    },

    async listUsers(caller: Caller): Promise<UserSummary[]> {
      needServerAdmin(caller, "listing users");
      return store.listUsers();
    },

    async removeUser(caller: Caller, name: string): Promise<void> {
      needServerAdmin(caller, "removing a user");
      if (!(await store.removeUser(name)))
        throw new AppError("NOT_FOUND", `no user ${name}`);
    },

    /** Gives `name` `role` on `project` (replacing the one they had); `undefined` takes it away. */
    async setRole(
      caller: Caller,
      name: string,
      project: string,
      role: Role | undefined,
    ): Promise<void> {
      needServerAdmin(caller, "changing roles");
      if (role !== undefined) checkGrants([{ project, role }]);
      if (!(await store.setRole(name, { project, role })))
        throw new AppError("NOT_FOUND", `no user ${name}`);
    },

    /** Checks a name and password; a wrong pair is UNAUTHENTICATED, with no hint which was wrong. */
    async login(name: string, password: string): Promise<Login> {
      const user = await store.userByName(name);
      const stored =
        user?.passwordHash ??
        (await (decoy ??= hashPassword("decoy-password-never-used")));
      const ok = await verifyPassword(password, stored);
      if (!user?.passwordHash || !ok)
        throw new AppError("UNAUTHENTICATED", "wrong user name or password");
      const issued = issueSession(newId("ses", clock.now()));
      const expiresAt = new Date(clock.now() + sessionMs);
      await store.addSession({
        id: issued.id,
        userId: user.id,
        secretHash: issued.secretHash,
        createdAt: now(),
        expiresAt,
      });
      return {
        session: issued.value,
        csrfToken: csrfTokenOf(issued.value)!,
        user: user.name,
        expiresAt,
      };
    },

    /** The identity of a session cookie's value; undefined when malformed, unknown or expired. */
    async sessionIdentity(value: string): Promise<Identity | undefined> {
      const parsed = parseSession(value);
      if (!parsed) return undefined;
      const session = await store.session(parsed.id);
      if (!session || !secretMatches(parsed.secret, session.secretHash))
        return undefined;
      if (session.expiresAt.getTime() <= clock.now()) {
        await store.removeSession(session.id);
        return undefined;
      }
      const user = await store.userById(session.userId);
      return (
        user && {
          userId: user.id,
          name: user.name,
          email: user.email ?? undefined,
          via: "session",
          credentialId: session.id,
          roleOn: (project) => roleOn(user.roles, project),
        }
      );
    },

    async logout(identity: Identity): Promise<void> {
      if (identity.via === "session")
        await store.removeSession(identity.credentialId);
    },

    /**
     * A new API token for `user` (default: the caller) with `roles`, valid for `expiresInMs`
     * (default 90 days, at most 366). A user may give a token only roles they hold. Without
     * `roles` (`sluice login`), the token acts as its user: it holds whatever roles the user
     * holds at each use, so a role given later reaches it as one taken away does.
     */
    async createToken(
      caller: Caller,
      input: {
        name: string;
        user?: string | undefined;
        roles?: Grant[] | undefined;
        expiresInMs?: number | undefined;
      },
    ): Promise<CreatedToken> {
      if (input.roles) checkGrants(input.roles);
      if (!/^[^\p{Cc}]{1,100}$/u.test(input.name))
        throw new AppError(
          "INVALID_ARGUMENT",
          "a token name has 1 to 100 characters, none a control character",
        );
      const ms = input.expiresInMs ?? defaultTokenMs;
      if (!(ms > 0 && ms <= maxTokenMs))
        throw new AppError(
          "INVALID_ARGUMENT",
          "a token expires after more than 0 and at most 366 days",
        );
      const userName =
        input.user ??
        (caller.kind === "user" ? caller.identity.name : undefined);
      if (userName === undefined)
        throw new AppError(
          "INVALID_ARGUMENT",
          "name the user the token acts for (--user)",
        );
      const user = await store.userByName(userName);
      if (!user) throw new AppError("NOT_FOUND", `no user ${userName}`);
      // Without roles the token acts as its user: whatever roles they hold at each use.
      const roles = input.roles ?? [];
      if (input.roles?.length === 0)
        throw new AppError(
          "INVALID_ARGUMENT",
          "a token needs at least one role on a project (project=role)",
        );
      if (caller.kind === "user") {
        if (user.id !== caller.identity.userId)
          needServerAdmin(caller, "a token for another user");
        for (const grant of roles)
          if (!atLeast(caller.identity.roleOn(grant.project), grant.role))
            throw new AppError(
              "FORBIDDEN",
              `you cannot give a token ${grant.role} on ${grant.project}: you do not hold it`,
            );
      }
      // A token never claims more than its user holds (it would be cut down at each use anyway).
      for (const grant of roles)
        if (!atLeast(roleOn(user.roles, grant.project), grant.role))
          throw new AppError(
            "FORBIDDEN",
            `${user.name} does not hold ${grant.role} on ${grant.project}: give the role first (sluice users role)`,
          );
      const issued = issueToken(newId("tok", clock.now()));
      const record = {
        id: issued.id,
        userId: user.id,
        name: input.name,
        secretHash: issued.secretHash,
        roles,
        createdAt: now(),
        createdBy: caller.actor,
        expiresAt: new Date(clock.now() + ms),
        revokedAt: null,
        revokedBy: null,
      };
      await store.addToken(record);
      const { userId: _u, secretHash: _s, ...shown } = record;
      return { ...shown, user: user.name, token: issued.value };
    },

    /** The identity of an API token; undefined when malformed, unknown, expired or revoked. */
    async tokenIdentity(value: string): Promise<Identity | undefined> {
      const parsed = parseToken(value);
      if (!parsed) return undefined;
      const token = await store.token(parsed.id);
      if (!token || !secretMatches(parsed.secret, token.secretHash))
        return undefined;
      if (token.revokedAt) return undefined;
      if (token.expiresAt && token.expiresAt.getTime() <= clock.now())
        return undefined;
      const user = await store.userById(token.userId);
      return (
        user && {
          userId: user.id,
          name: user.name,
          email: user.email ?? undefined,
          via: "token",
          credentialId: token.id,
          // A token never does more than its user may do now (roles taken away reach it); one
          // made without roles acts as its user.
          roleOn: (project) =>
            token.roles.length === 0
              ? roleOn(user.roles, project)
              : weaker(
                  roleOn(token.roles, project),
                  roleOn(user.roles, project),
                ),
        }
      );
    },

    /** The caller's own tokens; every token (or one user's) for a server admin. */
    async listTokens(
      caller: Caller,
      filter: { user?: string | undefined } = {},
    ): Promise<TokenSummary[]> {
      if (caller.kind === "user" && !isServerAdmin(caller))
        return store.listTokens({ userId: caller.identity.userId });
      if (filter.user === undefined) return store.listTokens({});
      const user = await store.userByName(filter.user);
      if (!user) throw new AppError("NOT_FOUND", `no user ${filter.user}`);
      return store.listTokens({ userId: user.id });
    },

    /** Revokes a token: the caller's own, or any for a server admin. */
    async revokeToken(caller: Caller, id: string): Promise<TokenSummary> {
      const token = await store.token(id);
      const mine =
        caller.kind === "user" && token?.userId === caller.identity.userId;
      if (!token || (!mine && !isServerAdmin(caller)))
        throw new AppError("NOT_FOUND", `no token ${id}`);
      return (await store.revokeToken(id, now(), caller.actor))!;
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
