/**
 * Prints the fault suite's figures recorded by the last run (test-output/faults/figures.json) as the markdown
 * table RELIABILITY.md carries, followed by the per-scenario notes and example error messages.
 *
 *   AMPHORA_FAULT_RUNS=10 npx mocha --no-config -r ts-node/register --extension ts --timeout 300000 'test/faults/*.test.ts'
 *   npx ts-node test/faults/figures.ts
 *
 * AMPHORA_FAULT_FIGURES=<file> (both commands) keeps a run's figures apart from other runs in the same tree.
 */
import { figuresTable, readFigures } from "./support";

const file = readFigures();
const lines = [
  `Fault figures, recorded ${file.updatedAt || "(never)"} with AMPHORA_FAULT_RUNS=${file.faultRuns}:`,
  "",
  figuresTable(file),
  "",
];
for (const r of Object.values(file.results).sort((a, b) => a.scenario.localeCompare(b.scenario))) {
  const notes = (r.notes ?? []).filter((n) => !n.startsWith("case | "));
  if (!r.example && notes.length === 0) continue;
  lines.push(`${r.scenario}:`);
  if (r.example) lines.push(`  example: ${r.example}`);
  for (const n of notes) lines.push(`  - ${n}`);
}
process.stdout.write(`${lines.join("\n")}\n`);
