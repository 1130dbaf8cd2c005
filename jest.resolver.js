// @actions/* publish ES modules only: their package.json "exports" offer an
// "import" condition and no "require" or "default", so jest's resolver (which
// resolves with the require conditions) cannot find them. For those packages
// alone, resolve with "import" as well; the esbuild transform then turns them
// into CommonJS like our own files (jest.config.js, transformIgnorePatterns).
module.exports = (request, options) => {
  if (/^@actions\//.test(request)) return options.defaultResolver(request, { ...options, conditions: [...(options.conditions ?? []), "import"] });
  return options.defaultResolver(request, options);
};
