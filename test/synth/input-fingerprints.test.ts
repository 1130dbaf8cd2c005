import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { filesUnchanged, fingerprintFiles } from "../../synth/input-fingerprints.mjs";

describe("synth/input-fingerprints.mjs", () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), "fingerprints-"));
    writeFileSync(join(dir, "a.ts"), "export const a = 1;\n");
    writeFileSync(join(dir, "b.ts"), "export const b = 2;\n");
    return { dir, fingerprints: fingerprintFiles(["b.ts", "a.ts"], dir) };
  };

  it("records size, modification time and content hash of each file", () => {
    const { fingerprints } = setup();
    expect(Object.keys(fingerprints)).toEqual(["a.ts", "b.ts"]);
    expect(fingerprints["a.ts"]).toEqual({ size: 20, mtimeMs: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("treats untouched files and a touched file with the same content as unchanged", () => {
    const { dir, fingerprints } = setup();
    expect(filesUnchanged(fingerprints, dir)).toBe(true);
    utimesSync(join(dir, "a.ts"), new Date(), new Date(Date.now() + 5000));
    expect(filesUnchanged(fingerprints, dir)).toBe(true);
  });

  it("sees a same-size edit, a size change and a deleted file", () => {
    const sameSize = setup();
    writeFileSync(join(sameSize.dir, "a.ts"), "export const a = 7;\n");
    utimesSync(join(sameSize.dir, "a.ts"), new Date(), new Date(Date.now() + 5000));
    expect(filesUnchanged(sameSize.fingerprints, sameSize.dir)).toBe(false);

    const grown = setup();
    writeFileSync(join(grown.dir, "b.ts"), "export const b = 22;\n");
    expect(filesUnchanged(grown.fingerprints, grown.dir)).toBe(false);

    const deleted = setup();
    rmSync(join(deleted.dir, "b.ts"));
    expect(filesUnchanged(deleted.fingerprints, deleted.dir)).toBe(false);
  });

  it("refuses a missing or malformed record", () => {
    const { dir } = setup();
    expect(filesUnchanged(undefined, dir)).toBe(false);
  });
});
