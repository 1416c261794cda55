#!/bin/sh
# The test files `npm test` runs, the slowest first: with two at a time, a long file that starts
# last would run on alone at the end (README "npm test").
slowest="test/cli/consortium.test.ts test/e2e/demo.test.ts test/dashboard/browser.test.ts test/experiments/experiments.test.ts test/e2e/consortiumOperations.test.ts"
{ for f in $slowest; do echo "$f"; done; find test -name '*.test.ts' | sort; } | awk '!seen[$0]++'
