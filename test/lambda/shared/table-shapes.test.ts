import { tableShapes } from "../../support/local-services";
import { synthesizedStacks } from "../../support/synth";

// The local tables the handler tests run against must stay keyed like the real ones.
describe("local table shapes match the synthesized DynamoDB tables", () => {
  const stacks = [...synthesizedStacks().stacks.entries()];

  it.each([
    ["user-sessions-", tableShapes.sessions.hashKey, tableShapes.sessions.ttlAttribute],
    ["api-keys-", tableShapes.apiKeys.hashKey, undefined],
  ])("%s tables", (namePrefix, hashKey, ttlAttribute) => {
    expect(stacks.length).toBeGreaterThan(0);
    for (const [environment, stack] of stacks) {
      const tables = Object.values(stack.resource.aws_dynamodb_table ?? {}).filter((table) => String(table.name).startsWith(namePrefix));
      expect({ environment, count: tables.length }).toEqual({ environment, count: 1 });
      const [table] = tables;
      expect(table.hash_key).toBe(hashKey);
      expect(table.range_key).toBeUndefined();
      expect(table.attribute).toEqual([{ name: hashKey, type: "S" }]);
      expect(table.ttl?.enabled ? table.ttl.attribute_name : undefined).toBe(ttlAttribute);
    }
  });
});
