#!/usr/bin/env node
// The `eddy-rdb` command: Redis RDB files in and out of Eddy (npm run build makes dist/).
import '../dist/tools/eddy-rdb.js';
