/** An argument of a command: `<name>` when required (the default), `[name]` otherwise. */
export interface CommandArgument {
  name: string;
  description?: string;
  required?: boolean;
}

/** An option, in commander's notation: `-n, --name <value>` takes a value, `--force` is a flag. */
export interface CommandOption {
  flags: string;
  description: string;
  default?: string | boolean;
}

/** What was typed: arguments by name (an optional one not typed is absent), options by long name in camelCase (`--dry-run` → `dryRun`). */
export interface CommandArgs {
  arguments: Record<string, string>;
  options: Record<string, string | boolean | undefined>;
}

/**
 * The engine's services, asked for by type: the SDK's (PluginTenants, PluginTickets,
 * CredentialStore, Clock…) or the plugin's own providers. The engine is booted as for the
 * core's commands: packs validated, database migrated, packs synced, no demo seeding.
 */
export interface CommandServices {
  get<T>(type: abstract new (...args: never[]) => T): T;
}

/** The terminal, given to the command so that tests can feed its input and read its output. */
export interface CommandIO {
  /** Writes one line to standard output. */
  print(line: string): void;
  /** Standard input, read whole (e.g. a password piped in). */
  read(): Promise<string>;
}

/**
 * A command of `guichet <name>`, listed by `guichet --help` with the core's. It fails by
 * throwing: an Error prints its message, a DomainError its English message, and the process
 * exits with status 1. A name the core or another plugin already uses stops the CLI.
 */
export interface CommandCapability {
  /** Lower-case letters, digits and `-`; one word (`password`, `hello`). */
  name: string;
  description: string;
  /** In order, after the name: `guichet password <tenant> <login>`. */
  arguments?: CommandArgument[];
  options?: CommandOption[];
  run(services: CommandServices, args: CommandArgs, io: CommandIO): Promise<void> | void;
}
