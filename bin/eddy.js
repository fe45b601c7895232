#!/usr/bin/env node
// The `eddy` command: runs the compiled server (npm run build makes dist/).
import '../dist/src/server/main.js';
