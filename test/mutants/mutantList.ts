/**
 * The mutation gate's data (issue 15): a mutant is a small behaviour change to the source, written as
 * exact edits, kept in a JSON list beside this file (consensus.json) and run by scripts/mutants.ts.
 *
 * One entry:
 *   { "id": "commit-at-q-minus-1",                  unique, kebab-case
 *     "rule": "[COMMITTED]",                        the protocol rule it breaks, as quoted beside its check
 *     "description": "commit after Q − 1 commit votes",
 *     "file": "src/consensus/replica.ts",           relative to the project root
 *     "edits": [{ "find": "commits.size >= this.q)", "replace": "commits.size >= this.q - 1)" }],
 *     "equivalent": null }                          or the argument why no run can tell it apart
 *
 * The edits apply in order, each to the text the previous ones left; each `find` must occur exactly
 * once in that text, so that a list the code has outgrown fails loudly instead of mutating the wrong
 * line.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Edit = z.strictObject({ find: z.string().min(1), replace: z.string() });

const MutantSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case'),
  rule: z.string().min(1),
  description: z.string().min(1),
  file: z.string().regex(/^(?!\/)(?!.*\.\.).+$/, 'a path relative to the project root'),
  edits: z.array(Edit).min(1),
  equivalent: z.string().min(1).nullable(),
});

/** One mutant of the list. */
export type Mutant = z.infer<typeof MutantSchema>;

/** The mutated text and the 1-based line of its first edit, or why the mutant no longer applies. */
export type Applied = { readonly text: string; readonly line: number } | { readonly problem: string };

/** Reads and validates a mutant list; throws with every problem found (schema, duplicate ids). */
export function readMutants(path: string): Mutant[] {
  const parsed = z.array(MutantSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  [${i.path.join('.')}] ${i.message}`);
    throw new Error(`${path} is not a valid mutant list:\n${problems.join('\n')}`);
  }
  const seen = new Set<string>();
  for (const m of parsed.data) {
    if (seen.has(m.id)) throw new Error(`${path}: mutant id ${m.id} appears twice`);
    seen.add(m.id);
  }
  return parsed.data;
}

/** Applies the mutant's edits to `source` (the pristine text of `mutant.file`). */
export function applyMutant(source: string, mutant: Mutant): Applied {
  let text = source;
  let line = 0;
  for (const { find, replace } of mutant.edits) {
    const count = text.split(find).length - 1;
    if (count !== 1) {
      return {
        problem: `mutant ${mutant.id} no longer applies to ${mutant.file}: ${JSON.stringify(find)} occurs ${count} times`,
      };
    }
    const at = text.indexOf(find);
    if (line === 0) line = text.slice(0, at).split('\n').length;
    text = text.slice(0, at) + replace + text.slice(at + find.length);
  }
  if (text === source) return { problem: `mutant ${mutant.id} changes nothing in ${mutant.file}` };
  return { text, line };
}
