/**
 * deploy/compose.yaml read line by line (no YAML parser among our dependencies): each service's `command` and
 * `entrypoint` (one-line flow sequences, which are JSON), `replicas`, the shared `environment` and `volumes`, with
 * Compose's `${VAR:?message}` and `$$` interpolated. A file this reader does not understand fails the tests.
 */
import { readFileSync } from 'node:fs';

export interface ComposeService {
  name: string;
  command?: string[];
  entrypoint?: string[];
  replicas: number;
}

export interface ComposeFile {
  services: Map<string, ComposeService>;
  /** `environment:` entries, wherever they are (here: the anchor every Terrarium service merges). */
  environment: Map<string, string>;
  /** `- host:container` entries of `volumes:`. */
  volumes: string[];
  /** `dockerfile:` and `context:` of the build. */
  build: { context?: string; dockerfile?: string };
}

/** Compose's interpolation: `$$` is a `$`, `${VAR}`, `${VAR:?err}` and `${VAR:-default}` take `vars[VAR]`. */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)(?::?[?-][^}]*)?\}/g, (_match, name: string | undefined) => {
    if (name === undefined) return '$';
    const value = vars[name];
    if (value === undefined) throw new Error(`compose.yaml uses \${${name}}, which the test does not set`);
    return value;
  });
}

export function readComposeFile(path: string, vars: Record<string, string>): ComposeFile {
  const file: ComposeFile = { services: new Map(), environment: new Map(), volumes: [], build: {} };
  let inServices = false;
  let service: ComposeService | undefined;
  let section = '';
  let sectionIndent = 0;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$|^\s*#.*$/, '');
    if (line.trim() === '') continue;
    const top = line.match(/^(\S[^:]*):/);
    if (top) {
      inServices = top[1] === 'services';
      service = undefined;
      section = '';
      continue;
    }
    const header = inServices ? line.match(/^ {2}([\w-]+):\s*$/) : null;
    if (header) {
      service = { name: header[1]!, replicas: 1 };
      file.services.set(service.name, service);
      section = '';
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (indent <= sectionIndent) section = '';
    const entry = line.match(/^\s+([\w-]+):\s*(.*)$/);
    const item = line.match(/^\s+-\s+(.*)$/);
    if (entry) {
      const [, key, value] = entry as unknown as [string, string, string];
      if (value === '') {
        section = key;
        sectionIndent = indent;
      } else if (key === 'command' || key === 'entrypoint') {
        if (!service) throw new Error(`compose.yaml: ${key} outside a service`);
        service[key] = (JSON.parse(value) as string[]).map((word) => interpolate(word, vars));
      } else if (key === 'replicas' && service) service.replicas = Number(value);
      else if (key === 'dockerfile' || key === 'context') file.build[key] = value;
      else if (section === 'environment') file.environment.set(key, interpolate(value, vars));
    } else if (item && section === 'volumes') file.volumes.push(item[1]!);
  }
  return file;
}
