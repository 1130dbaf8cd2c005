import { collectSensitiveStrings, createMasker, parseMaskInput, redactSensitive } from "../../review/src/mask";

describe("createMasker", () => {
  it("masks the longest match first and JSON-escaped forms", () => {
    const mask = createMasker(["abc", "abcdef", 'p"ss\\word', "  "]);
    expect(mask("x abcdef y abc z")).toBe("x *** y *** z");
    expect(mask(JSON.stringify({ secret: 'p"ss\\word' }))).toBe('{"secret":"***"}');
    expect(mask("plain")).toBe("plain");
  });

  it("treats regex characters literally", () => {
    expect(createMasker(["a.c"])("abc a.c")).toBe("abc ***");
  });

  it("parses the newline-separated input", () => {
    expect(parseMaskInput("one\n\n  two  \r\nthree")).toEqual(["one", "two", "three"]);
  });
});

describe("redactSensitive", () => {
  const value = { name: "db", password: "hunter22", tags: { owner: "ops", token: "t0k3n" }, list: ["a", "s3cret"] };

  it("replaces the whole value for a bare true", () => {
    expect(redactSensitive(value, true)).toBe("(sensitive)");
    expect(redactSensitive(value, false)).toEqual(value);
  });

  it("follows nested markers", () => {
    expect(redactSensitive(value, { password: true, tags: { token: true }, list: [false, true] })).toEqual({
      name: "db",
      password: "(sensitive)",
      tags: { owner: "ops", token: "(sensitive)" },
      list: ["a", "(sensitive)"],
    });
  });

  it("collects the clear-text strings under sensitive markers", () => {
    expect([...collectSensitiveStrings(value, { password: true, list: [false, true] })].sort()).toEqual(["hunter22", "s3cret"]);
  });
});
