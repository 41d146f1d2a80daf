/**
 * The Markdown tree parser (unified + remark-parse), for documents the linear scan cannot
 * read for certain. Imported dynamically so the bundle loads it only when a document needs it.
 */
import type { Link } from './markdown.js';

type Node = { type: string; url?: string; position?: { start: { line: number; column: number } }; children?: Node[] };

/** Every link, image and definition destination in a document, with positions. */
export async function treeLinks(text: string, firstLine = 1): Promise<Link[]> {
  const [{ unified }, { default: remarkParse }] = await Promise.all([import('unified'), import('remark-parse')]);
  const tree = unified().use(remarkParse).parse(text) as Node;
  const links: Link[] = [];
  const visit = (node: Node): void => {
    if ((node.type === 'link' || node.type === 'image' || node.type === 'definition') && node.url !== undefined && node.position) {
      links.push({ target: node.url, line: node.position.start.line + firstLine - 1, column: node.position.start.column });
    }
    node.children?.forEach(visit);
  };
  visit(tree);
  return links;
}
