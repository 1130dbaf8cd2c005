export function runWhenExecuted(moduleUrl: string, main: (args: string[], env: NodeJS.ProcessEnv) => number | Promise<number>): void;
