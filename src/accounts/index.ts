/** Accounts: users with passwords and roles per project, browser sessions, API tokens (ADR 093). */
export { createAccountsService } from "./service.js";
export type {
  AccountsService,
  Caller,
  CreatedToken,
  Identity,
} from "./service.js";
export type { TokenSummary, UserSummary } from "./ports.js";
export { createAccountStore } from "./store.js";
export { atLeast, everyProject, isRole, roles } from "./roles.js";
export type { Grant, Role } from "./roles.js";
export { csrfTokenOf, looksLikeToken } from "./credentials.js";
