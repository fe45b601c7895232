#!/usr/bin/env node
// The `eddy-log` command: inspects, verifies and repairs a stopped server's log (npm run build makes dist/).
import '../dist/tools/eddy-log.js';
