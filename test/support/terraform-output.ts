/** A failed terraform's output far larger than any comment: 30 `Error:` blocks of 25 detail lines, every line 5,000 characters. */
export function hugeErrorOutput(): string {
  const long = (seed: string) => seed.repeat(5000 / seed.length);
  return Array.from({ length: 30 }, (_, index) => [`Error: ${long(`e${index} `)}`, "", ...Array.from({ length: 25 }, () => long("detail ")), ""].join("\n")).join("\n");
}
