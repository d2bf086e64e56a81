// Reading a YAML file the user named, with the two ways that fails (unreadable, bad syntax) each
// turned into one line.
import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { type ExitCodeValue, FatalError } from '../errors.js';

export interface YamlFileKind {
  /** "config file" */
  what: string;
  /** "--config.file" */
  flag: string;
  code: ExitCodeValue;
}

/** Why a file named by a flag cannot be read, and what to do: [problem detail, fix]. */
export function unreadable(e: unknown, flag: string): { code: string; fix: string } {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const fix =
    code === 'EACCES' || code === 'EPERM'
      ? 'make it readable by the user the daemon runs as'
      : code === 'EISDIR'
        ? `${flag} must name a file, not a directory`
        : `check ${flag}`;
  return { code, fix };
}

function yamlProblem(e: unknown): string {
  if (e instanceof YAMLParseError) {
    const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const what = e.code === 'MULTIPLE_DOCS' ? 'it holds more than one YAML document (---)' : first;
    const at = e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    return `is not valid YAML${at}: ${what}`;
  }
  return `is not valid YAML: ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`;
}

/** The parsed document; an empty file is an empty mapping. Throws FatalError(kind.code). */
export function readYamlFile(path: string, kind: YamlFileKind): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const { code, fix } = unreadable(e, kind.flag);
    throw new FatalError(kind.code, `cannot read ${kind.what} ${path} (${code})`, fix);
  }
  try {
    return parse(text) ?? {};
  } catch (e) {
    throw new FatalError(kind.code, `${kind.what} ${path} ${yamlProblem(e)}`, 'fix the YAML syntax');
  }
}
