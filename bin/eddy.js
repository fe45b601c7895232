#!/usr/bin/env node
// The `eddy` command: runs the compiled server (npm run build makes dist/) with a heap sized for it.
import '../dist/src/server/launch.js';
