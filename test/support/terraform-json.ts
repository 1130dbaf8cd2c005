import type { SynthesizedStackJson } from "./synth";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A resource (or data source) of a synthesized stack, with where it lives. */
export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  readonly body: Record<string, any>;
  /** The `${type.name}` address, as other resources reference it. */
  readonly address: string;
}

/** Every resource of `type`, in logical-id order. */
export function resourcesOf(stack: SynthesizedStackJson, type: string): ResourceRef[] {
  return Object.entries(stack.resource?.[type] ?? {}).map(([name, body]) => ({ type, name, body, address: `${type}.${name}` }));
}

/** The single resource of `type` whose body matches `predicate`; throws when none or several match. */
export function onlyResource(stack: SynthesizedStackJson, type: string, predicate: (body: Record<string, any>) => boolean = () => true): ResourceRef {
  const matches = resourcesOf(stack, type).filter((resource) => predicate(resource.body));
  if (matches.length !== 1) throw new Error(`expected exactly one ${type} matching, found ${matches.length}: ${matches.map((m) => m.name).join(", ")}`);
  return matches[0];
}

const TOKEN = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_.[\]]+))?\}$/;

/**
 * Follows a `${aws_x.y.attr}` (or `${data.aws_x.y.attr}`) reference to the
 * resource it names, and says which attribute was read.
 */
export function resolveReference(stack: SynthesizedStackJson, token: unknown): ResourceRef & { attribute?: string } {
  const match = typeof token === "string" ? TOKEN.exec(token) : null;
  if (!match) throw new Error(`not a single resource reference: ${JSON.stringify(token)}`);
  const [, data, type, name, attribute] = match;
  const body = (data ? stack.data : stack.resource)?.[type]?.[name];
  if (!body) throw new Error(`reference ${token} names nothing in the stack`);
  return { type, name, body, address: `${data ?? ""}${type}.${name}`, attribute };
}

/** The addresses a `depends_on` list names, without the `${}` wrapper. */
export const dependsOn = (body: Record<string, any>): string[] => (body.depends_on ?? []).map((entry: string) => entry.replace(/^\$\{|\}$/g, ""));

/** Parses a JSON policy attribute (key policy, bucket policy, role policy). */
export const policyOf = (text: unknown): { Statement: any[] } => JSON.parse(text as string);
