/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j|mj)sx?$": "<rootDir>/jest.esbuild-transform.js",
  },
  // @actions/* and @octokit/* ship only ES modules; jest runs CommonJS, so esbuild converts them too.
  transformIgnorePatterns: ["/node_modules/(?!(@actions|@octokit|universal-user-agent|before-after-hook|content-type|json-with-bigint|@electric-sql)/)"],
  moduleFileExtensions: ["ts", "tsx", "js", "mjs", "cjs", "json"],
  testTimeout: 60000,
};
