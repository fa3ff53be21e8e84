#!/usr/bin/env node
// Launcher for the `demi` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../cli/demi.ts');
