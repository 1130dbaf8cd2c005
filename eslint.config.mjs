import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The provider's barrels: each loads all ~2,600 resource modules. */
const PROVIDER_BARRELS = [
  {
    name: "@cdktf/provider-aws",
    message: "The provider barrel loads all ~2,600 resource modules (~10 s and ~1.5 GiB per synth). Import the class from its deep path, e.g. @cdktf/provider-aws/lib/vpc.",
  },
  {
    name: "@cdktf/provider-aws/lib",
    message: "The lib index is the same barrel. Import from the resource's own path, e.g. @cdktf/provider-aws/lib/vpc.",
  },
  {
    name: "@cdktf/provider-aws/lib/index",
    message: "The lib index is the same barrel. Import from the resource's own path, e.g. @cdktf/provider-aws/lib/vpc.",
  },
];

export default tseslint.config(
  {
    ignores: ["node_modules/", "cdktf.out/", ".build/", "coverage/", ".github/actions/*/dist/", "**/*.partial-*/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", __dirname: "readonly", Buffer: "readonly", performance: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", fetch: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", { paths: PROVIDER_BARRELS }],
    },
  },
  // Layers of the review library (review/README.md): the actions and the scripts use it only through its
  // public entry, and the library depends on none of them (nor on the stacks or the tests).
  {
    files: [".github/actions/**/*.ts", "scripts/**/*.ts", "scripts/**/*.mjs"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: PROVIDER_BARRELS,
          patterns: [{ group: ["**/review/src/**", "!**/review/src/index"], message: "Import the review library through its public entry, review/src/index.ts (export what you need there)." }],
        },
      ],
    },
  },
  {
    files: ["review/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: PROVIDER_BARRELS,
          patterns: [{ group: ["**/.github/**", "**/scripts/**", "**/stacks/**", "**/test/**"], message: "The review library imports nothing from .github/, scripts/, stacks/ or test/: they depend on it, not the other way round." }],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
