#!/usr/bin/env node
// The package's bin (`npx chatbot-platform <command>`) and what `npm run plan|policy|bench|release|
// drill` start: the project's CLI (scripts/cli/program.ts), run from the cached JavaScript build.
import { run } from "../scripts/run.mjs";

process.exitCode = await run(process.argv.slice(2));
