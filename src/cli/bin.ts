#!/usr/bin/env node
// The command as run from the sources; the package's own launcher (dist/cli.cjs) calls main() the same way.
import { main } from './main.ts';

void main(process.argv.slice(2));
