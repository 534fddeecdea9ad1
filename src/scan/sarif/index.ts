export { importSarif } from "./import.js";
