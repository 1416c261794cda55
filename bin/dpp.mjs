#!/usr/bin/env node
// The `dpp` command. Runs the TypeScript sources directly through tsx, so a fresh clone needs no
// build step: `npm install` and then `npx dpp …` (or `npm start`).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
