/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j|mj)sx?$": [
      "@swc/jest",
      { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } },
    ],
  },
  // @actions/* and @octokit/* ship only ES modules; jest runs CommonJS, so swc converts them too.
  transformIgnorePatterns: ["/node_modules/(?!(@actions|@octokit|universal-user-agent|before-after-hook|@electric-sql)/)"],
  moduleFileExtensions: ["ts", "tsx", "js", "mjs", "cjs", "json"],
  testTimeout: 60000,
};
