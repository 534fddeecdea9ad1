export { installHooks, uninstallHooks } from "./install.js";
