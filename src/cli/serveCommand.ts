/**
 * `roster serve`: the HTTP service, exactly as `node dist/src/main.js` runs it (configured by the
 * environment; SIGTERM or SIGINT stops it gracefully).
 */
import type { Command } from 'commander';
import { serve } from '../main';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP server until SIGTERM or SIGINT (as node dist/src/main.js does); configured by the environment')
    .exitOverride()
    .action(() => serve());
}
