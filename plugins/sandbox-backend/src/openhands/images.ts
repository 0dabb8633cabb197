/** `*` matches any run of characters (also `/` and `:`), `?` one character; the rest is literal. */
export function globToRegExp(glob: string): RegExp {
  const token = (c: string) => {
    if (c === '*') return '.*';
    if (c === '?') return '.';
    return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  };
  const body = glob.split('').map(token).join('');
  return new RegExp(`^${body}$`);
}

/** Whether `image` matches one of the `sandbox.openhands.allowedImages` globs. */
export function imageAllowed(image: string, globs: string[]): boolean {
  return globs.some(g => globToRegExp(g).test(image));
}

/**
 * A `/start` command as a process argv: a list is taken as is, a string is split like a shell
 * would split words (single and double quotes, backslash escapes; no expansion), null or empty
 * means "the image's default".
 */
export function commandToArgv(command: string[] | string | null | undefined): string[] | undefined {
  if (command === null || command === undefined) return undefined;
  if (Array.isArray(command)) return command.length > 0 ? command : undefined;
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1])) current += command[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inWord) words.push(current);
  return words.length > 0 ? words : undefined;
}
