import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
      "no-restricted-imports": [
        "error",
        {
          paths: [
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
          ],
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
