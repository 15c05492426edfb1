"use strict";
// mocha's spec reporter plus one closing line in the plain "N passed, N failed, N skipped" form CI reads.
// With TEST_FAILURES_FILE set, each failure is also appended there as one line (title: first line of the error),
// so CI can repeat them at the very end of its output, after the passes that ran later.
const fs = require("node:fs");
const Mocha = require("mocha");

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failuresFile = process.env.TEST_FAILURES_FILE;
    if (failuresFile) {
      runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
        const firstLine = String((err && err.message) || err).split("\n")[0].slice(0, 400);
        fs.appendFileSync(failuresFile, `${test.fullTitle()}: ${firstLine}\n`);
      });
    }
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed, ${pending} skipped\n`);
    });
  }
}

module.exports = SpecWithSummary;
