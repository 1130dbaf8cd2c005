// jest's order of test files, except that files which mostly wait are started early, each beside a
// file that computes. jest's own order runs the longest files first by the durations it recorded in
// its cache; without them (a fresh clone, so every CI run) it orders by file size, and a small file
// that waits 18 s started last: the run took 69 s instead of 55 s. And with four workers on two
// cores, a waiting file beside a computing one keeps both cores busy.
//
// A file says it waits with an `@waits <how long and why>` pragma in its leading docblock.
const { readFileSync } = require("node:fs");
const Sequencer = require("@jest/test-sequencer").default;
const { extract, parse } = require("jest-docblock");

const waits = (path) => parse(extract(readFileSync(path, "utf8"))).waits !== undefined;

/** `waiting` and `computing`, alternately, each in the order given; the rest of the longer one at the end. */
function interleave(waiting, computing) {
  const order = [];
  for (let index = 0; index < Math.max(waiting.length, computing.length); index += 1) {
    if (index < waiting.length) order.push(waiting[index]);
    if (index < computing.length) order.push(computing[index]);
  }
  return order;
}

class WaitingBesideComputingSequencer extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const waiting = ordered.filter((test) => waits(test.path));
    return interleave(waiting, ordered.filter((test) => !waiting.includes(test)));
  }
}

module.exports = WaitingBesideComputingSequencer;
module.exports.interleave = interleave;
