export {
  hookNames,
  hookScript,
  installHooks,
  lockfilePattern,
  uninstallHooks,
} from "./install.js";
export type { HookChange, HookName } from "./install.js";
