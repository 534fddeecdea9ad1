import { defineConfig } from "drizzle-kit";

// drizzle-kit reads the config from a default export.
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  dialect: "postgresql",
  // Each capability's tables sit beside its store: src/<capability>/store-schema.ts.
  schema: "./src/*/store-schema.ts",
  out: "./src/store/migrations",
});
