import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Every block that sets no-restricted-imports replaces the rule's options for its files, so each repeats these.
const PROVIDER_BARREL = [
  {
    name: "@cdktf/provider-aws",
    message:
      "The provider barrel loads all ~2,600 resource modules (~10 s and ~1.5 GiB per synth). Import the class from its deep path, e.g. @cdktf/provider-aws/lib/vpc.",
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

/** An import of a top-level folder of the repository, by a relative path from any depth. */
const folderImport = (folders, message) => ({ regex: `^(\\.\\./)+(${folders.map((folder) => folder.replace(".", "\\.")).join("|")})(/|$)`, message });

const STACKS_STAY_INFRASTRUCTURE = folderImport(
  ["scripts", "test", ".github", "bench", "harness"],
  "stacks/ holds the infrastructure only: it imports nothing from scripts/, test/, .github/, bench/ or harness/. Move what both need into stacks/ (infrastructure) or give it a dependency instead.",
);
const SYNTH_ROOM_THROUGH_ENTRIES = folderImport(
  ["synth"],
  "Only the synth entries (stacks/main.ts, stacks/bootstrap/main.ts) use the synth room, and only through its interface (synth/index.ts). Constructs and the rest of stacks/ receive what they need as dependencies (e.g. a LambdaArtifactSource).",
);
const SYNTH_ROOM_INTERNALS = {
  regex: "^(\\.\\./)+synth/(?!index$).+",
  message: "The synth entries use the synth room through its interface: import from its folder (synth/index.ts), not from its modules.",
};

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
      "no-restricted-imports": ["error", { paths: PROVIDER_BARREL }],
    },
  },
  {
    files: ["stacks/**"],
    rules: { "no-restricted-imports": ["error", { paths: PROVIDER_BARREL, patterns: [STACKS_STAY_INFRASTRUCTURE, SYNTH_ROOM_THROUGH_ENTRIES] }] },
  },
  {
    files: ["stacks/main.ts", "stacks/bootstrap/main.ts"],
    rules: { "no-restricted-imports": ["error", { paths: PROVIDER_BARREL, patterns: [STACKS_STAY_INFRASTRUCTURE, SYNTH_ROOM_INTERNALS] }] },
  },
  // Layers of the review library (review/README.md): the actions and the scripts use it only through its
  // public entry, and the library depends on none of them (nor on the stacks, the synth room or the tests).
  {
    files: [".github/actions/**/*.ts", "scripts/**/*.ts", "scripts/**/*.mjs"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: PROVIDER_BARREL,
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
          paths: PROVIDER_BARREL,
          patterns: [
            folderImport(
              [".github", "scripts", "stacks", "synth", "harness", "bench", "test"],
              "The review library imports nothing from .github/, scripts/, stacks/, synth/, harness/, bench/ or test/: they depend on it, not the other way round.",
            ),
          ],
        },
      ],
    },
  },
  {
    // The benchmarks and the harness they share with the tests stand on their own.
    files: ["bench/**", "harness/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: PROVIDER_BARREL, patterns: [folderImport(["test"], "bench/ and harness/ import nothing from test/: move what they share with the tests into harness/.")] },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
