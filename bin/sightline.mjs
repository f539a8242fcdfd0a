#!/usr/bin/env node
// The `sightline` command (`npx sightline models pull`): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
