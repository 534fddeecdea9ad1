import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Capabilities import each other only through their index.ts, and never the adapters (cli, server). */
const capabilities = [
  "config",
  "pipeline",
  "scan",
  "policy",
  "deploy",
  "flags",
  "secrets",
  "metrics",
  "store",
];

// eslint reads its config from the default export.
// eslint-disable-next-line no-restricted-syntax
export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "web/dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly" },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "ExportDefaultDeclaration", message: "Use named exports." },
      ],
    },
  },
  ...capabilities.map((cap) => ({
    files: [`src/${cap}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/cli/**", "**/server/**", "**/web/**"],
              message: "Capabilities never import cli/, server/ or web/.",
            },
            {
              group: capabilities
                .filter((other) => other !== cap)
                .flatMap((other) => [
                  `../${other}/*`,
                  `../${other}/**/*`,
                  `../../${other}/*`,
                  `../../${other}/**/*`,
                  `../../../${other}/**/*`,
                ])
                .concat(
                  capabilities
                    .filter((o) => o !== cap)
                    .flatMap((o) => [
                      `!../${o}/index.js`,
                      `!../../${o}/index.js`,
                      `!../../../${o}/index.js`,
                    ]),
                ),
              message: "Import another capability only through its index.ts.",
            },
          ],
        },
      ],
    },
  })),
);
