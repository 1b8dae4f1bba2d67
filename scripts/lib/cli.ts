// The command-line edge shared by the scripts: --help, and user mistakes reported as one clear
// message and exit code 2 (never a stack trace); failures of the work itself exit 1.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends OptionsConfig> = O & { help: { type: 'boolean'; short: 'h'; default: false } };

export const EXIT_USAGE = 2;

/** Prints the message and the usage to stderr and exits 2. */
export function usageError(usage: string, message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(EXIT_USAGE);
}

/** Prints what went wrong, without a stack, and exits 1. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Parses argv against the options (plus -h/--help, which prints the usage and exits 0). */
export function parseCommandLine<const O extends OptionsConfig>(usage: string, options: O, config: { positionals?: number } = {}) {
  const maxPositionals = config.positionals ?? 0;
  const withHelp: WithHelp<O> = { ...options, help: { type: 'boolean', short: 'h', default: false } };
  let parsed: ReturnType<typeof parseArgs<{ options: WithHelp<O>; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ options: withHelp, allowPositionals: true, strict: true });
  } catch (error) {
    usageError(usage, errorMessage(error));
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  if (parsed.positionals.length > maxPositionals) usageError(usage, `Unexpected argument: ${parsed.positionals.join(' ')}`);
  return parsed;
}
