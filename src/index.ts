// The library surface of the package (the OpenFeature provider and friends are exported here).
export { AppError } from "./kernel/index.js";
