#!/usr/bin/env node
// The `cosmos-sync` bin: registers tsx's loader for the TypeScript sources of cli/, then runs the CLI. Running from the
// repository keeps the CLI and the app on the same version of the status schema (shared/status/report.ts).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
