/**
 * MJCF text to an element tree, through fast-xml-parser, and the check of that tree against the subset Terrarium
 * reads (mjcf-vocabulary.ts): every unsupported element or attribute is collected and reported in one error; the
 * ones that only matter to MuJoCo's renderer or solver are returned as notes, never dropped silently.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TerrariumError } from '../../core/errors.js';
import { VOCABULARY } from './mjcf-vocabulary.js';

export interface MjcfElement {
  tag: string;
  attrs: Record<string, string>;
  children: MjcfElement[];
  /** Where it sits, for messages: "ant.xml:mujoco/worldbody/body[torso]/geom[2]". */
  where: string;
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElements(nodes: Ordered[], parent: string, source: string): MjcfElement[] {
  const out: MjcfElement[] = [];
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const tag = Object.keys(node).find((key) => key !== ':@')!;
    if (tag === '#text') {
      throw new TerrariumError(
        source,
        node[tag],
        `no text inside <${parent.split('/').pop()}> (MJCF puts data in attributes)`,
      );
    }
    const attrs = node[':@'] ?? {};
    const n = counts.get(tag) ?? 0;
    counts.set(tag, n + 1);
    const label = attrs.name ? `${tag}[${attrs.name}]` : n > 0 ? `${tag}[${n}]` : tag;
    const where = parent.endsWith(':') ? `${parent}${label}` : `${parent}/${label}`;
    out.push({ tag, attrs, children: toElements(node[tag] as Ordered[], where, source), where });
  }
  return out;
}

/** Parses MJCF `text` (from `source`, for messages) into its <mujoco> element. */
export function parseMjcfXml(text: string, source: string): MjcfElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new TerrariumError(source, `line ${valid.err.line}`, 'well-formed XML', valid.err.msg);
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
  });
  const roots = toElements(parser.parse(text) as Ordered[], `${source}:`, source).filter(
    (e) => e.tag !== '?xml',
  );
  const root = roots[0];
  if (roots.length !== 1 || root?.tag !== 'mujoco') {
    throw new TerrariumError(
      source,
      roots.map((r) => r.tag),
      'one <mujoco> root element (an MJCF model)',
    );
  }
  return root;
}

/**
 * Checks `root` against the vocabulary. Throws one TerrariumError listing every unsupported element and attribute;
 * returns the ignored ones ("option@timestep", "light") as notes.
 */
export function checkVocabulary(root: MjcfElement, source: string): string[] {
  const unsupported: string[] = [];
  const ignored = new Set<string>();
  const visit = (element: MjcfElement, context: string) => {
    const rule = VOCABULARY[context];
    if (!rule) {
      unsupported.push(`<${element.tag}> at ${element.where}`);
      return;
    }
    if (rule.ignoreAll) {
      ignored.add(rule.note ?? `<${element.tag}>`);
      return;
    }
    for (const attr of Object.keys(element.attrs)) {
      if (rule.attrs.includes(attr)) continue;
      if (rule.ignored?.includes(attr)) ignored.add(`${element.tag}@${attr}`);
      else unsupported.push(`${element.tag}@${attr} at ${element.where}`);
    }
    for (const child of element.children) {
      const childContext = rule.children?.[child.tag];
      if (childContext) visit(child, childContext);
      else unsupported.push(`<${child.tag}> inside <${element.tag}> at ${child.where}`);
    }
  };
  visit(root, 'mujoco');
  if (unsupported.length > 0) {
    const shown = unsupported.slice(0, 12).join('; ');
    const more = unsupported.length > 12 ? `; and ${unsupported.length - 12} more` : '';
    throw new TerrariumError(
      source,
      unsupported.length === 1 ? unsupported[0] : `${unsupported.length} unsupported items`,
      'only the MJCF subset Terrarium reads (docs/robot-features.md)',
      `unsupported: ${shown}${more}`,
    );
  }
  return [...ignored].sort();
}
