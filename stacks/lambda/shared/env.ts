/**
 * Reading a handler's environment (set by the platform stack from the
 * function's manifest). A missing or malformed variable fails the cold start
 * with a message naming the variable, rather than a confusing error later.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export function requiredEnv(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new Error(`Environment variable ${name} is missing or empty; the platform stack sets it from the function's manifest.ts`);
  }
  return value;
}

export function positiveIntegerEnv(env: Environment, name: string): number {
  const text = requiredEnv(env, name);
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`Environment variable ${name} must be a positive whole number, found ${JSON.stringify(text)}`);
  }
  return value;
}
