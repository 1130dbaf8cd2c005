import { ANSI, PLAIN, columns, oneLine, printable, shorten, styleFor } from "../../review/src/text";

describe("printable", () => {
  it("shows control characters, DEL, C1 and bidirectional controls as escapes; keeps newlines, tabs and ordinary text", () => {
    expect(printable("a\u001b[2Jb\u0007c\u007fd\u009be\u202ef\u2066g")).toBe("a\\u{1b}[2Jb\\u{7}c\\u{7f}d\\u{9b}e\\u{202e}f\\u{2066}g");
    expect(printable("line one\n\tline two · ünïcode ✓")).toBe("line one\n\tline two · ünïcode ✓");
  });

  it("oneLine also folds line breaks", () => {
    expect(oneLine("a\r\nb\nc\u001b")).toBe("a⏎b⏎c\\u{1b}");
  });
});

describe("shorten and columns", () => {
  it("cuts long values and says by how much", () => {
    expect(shorten("abcdef", 4)).toBe("abcd… (2 more characters)");
    expect(shorten("abc", 4)).toBe("abc");
  });

  it("aligns cells, right-aligning amounts, ignoring colour codes for width", () => {
    // eslint-disable-next-line no-control-regex -- stripping our own colour codes to compare widths
    expect(columns([[ANSI.dim("name"), ANSI.dim("cost")], ["a", "$1.00"], ["longer", "$10.00"]], { indent: "  ", align: ["left", "right"] }).map((line) => line.replace(/\u001b\[\d+m/g, ""))).toEqual([
      "  name      cost",
      "  a        $1.00",
      "  longer  $10.00",
    ]);
  });
});

describe("styleFor", () => {
  it("colours a terminal unless NO_COLOR is set to something (https://no-color.org)", () => {
    expect(styleFor({ isTTY: true }, {})).toBe(ANSI);
    expect(styleFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(PLAIN);
    expect(styleFor({ isTTY: false }, {})).toBe(PLAIN);
    expect(PLAIN.red("x")).toBe("x");
    expect(ANSI.red("x")).toBe("\u001b[31mx\u001b[39m");
  });
});
