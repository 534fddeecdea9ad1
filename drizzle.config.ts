import { defineConfig } from "drizzle-kit";

// drizzle-kit reads the config from a default export.
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema/index.ts",
  out: "./src/store/migrations",
});
