#!/usr/bin/env node
// The `signet-beacon` command from the repository (after `npm ci`, which builds dist/).
import("../dist/main.js").then((m) => m.main())
