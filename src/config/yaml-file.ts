// Reading a YAML file the user named, with the ways that fails (unreadable or not a small regular
// file, nesting too deep to parse, bad syntax) each turned into one line.
import { type ExitCodeValue, FatalError } from '../errors.js';
import { yaml } from './lazy.js';
import { FileRefused, MAX_BYTES, readUserFile } from '../user-file.js';

export interface YamlFileKind {
  /** "config file" */
  what: string;
  /** "--config.file" */
  flag: string;
  code: ExitCodeValue;
  /** how deep the file's own structure goes, for the nesting fix: "two" */
  levels: string;
}

function yamlProblem(e: unknown): string {
  if (e instanceof yaml().YAMLParseError) {
    const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    const what = e.code === 'MULTIPLE_DOCS' ? 'it holds more than one YAML document (---)' : first;
    const at = e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    return `is not valid YAML${at}: ${what}`;
  }
  return `is not valid YAML: ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`;
}

/** The parser ran out of stack: a deeply nested (often unclosed) [ or {. */
const isStackOverflow = (e: unknown) => e instanceof RangeError || (e instanceof yaml().YAMLParseError && /Maximum call stack size exceeded/.test(e.message));

/** The parsed document; an empty file is an empty mapping. Throws FatalError(kind.code). */
export function readYamlFile(path: string, kind: YamlFileKind): unknown {
  let text: string;
  try {
    text = readUserFile({ path, name: kind.flag, what: 'a YAML file', maxBytes: MAX_BYTES.config }).toString('utf8');
  } catch (e) {
    if (!(e instanceof FileRefused)) throw e;
    throw new FatalError(kind.code, `cannot read ${kind.what} ${path} (${e.detail})`, e.fix);
  }
  try {
    return yaml().parse(text) ?? {};
  } catch (e) {
    // no position: where the stack ran out depends on the stack, not on the file
    if (isStackOverflow(e)) throw new FatalError(kind.code, `${kind.what} ${path} nests too deeply to parse`, `look for unclosed [ or { (a ${kind.what} needs ${kind.levels} levels)`);
    throw new FatalError(kind.code, `${kind.what} ${path} ${yamlProblem(e)}`, 'fix the YAML syntax');
  }
}
