import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The compiler options of the repository's tsconfig.json. */
function projectOptions(): ts.CompilerOptions {
  const file = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  return ts.parseJsonConfigFileContent(file.config, ts.sys, root).options;
}

/**
 * One source text placed in test/ (so `../src/index.ts` imports the library), seen through a language service as an
 * editor sees it: its diagnostics, and the completions at each `/*@name*\/` marker.
 */
export function probe(text: string): { diagnostics(): string[]; completions(marker: string): string[] } {
  const file = join(root, 'test', '__probe__.ts');
  const markers = new Map<string, number>();
  const source = text.replace(/\/\*@(\w+)\*\//g, (_match, name: string, offset: number) => {
    markers.set(name, offset - [...markers.keys()].reduce((sum, key) => sum + `/*@${key}*/`.length, 0));
    return '';
  });
  const service = ts.createLanguageService({
    getScriptFileNames: () => [file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (path) => {
      const content = path === file ? source : ts.sys.readFile(path);
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: projectOptions,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: (path) => path === file || ts.sys.fileExists(path),
    readFile: (path) => (path === file ? source : ts.sys.readFile(path)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  });
  return {
    diagnostics: () =>
      service.getSemanticDiagnostics(file).map((diagnostic) => {
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start!);
        return `${line + 1}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      }),
    completions: (marker) => {
      const at = markers.get(marker);
      if (at === undefined) throw new Error(`no marker ${marker} in the probe`);
      return (service.getCompletionsAtPosition(file, at, {})?.entries ?? []).map((entry) => entry.name);
    },
  };
}
