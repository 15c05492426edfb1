/**
 * Generated regions inside hand-written files: the text between an opening and a closing marker line is replaced
 * whole, the rest of the file is left as it is. Markdown pages mark them `<!-- generated:<name> ... -->` …
 * `<!-- /generated:<name> -->`, TypeScript files `// generated:<name> ...` … `// /generated:<name>`.
 */

export type MarkerStyle = "markdown" | "typescript";

function marker(name: string, style: MarkerStyle): RegExp {
  return style === "markdown"
    ? new RegExp(`(<!-- generated:${name} [^>]*-->)[\\s\\S]*?(<!-- /generated:${name} -->)`)
    : new RegExp(`(// generated:${name}\\b[^\\n]*)\\n(?:[\\s\\S]*?\\n)?([ \\t]*// /generated:${name}\\b)`);
}

/** `text` with every named region's content replaced; a missing region is an error naming `file`. */
export function replaceRegions(file: string, text: string, regions: Record<string, string>, style: MarkerStyle): string {
  let out = text;
  for (const [name, content] of Object.entries(regions)) {
    const re = marker(name, style);
    if (!re.test(out)) {
      const markers = style === "markdown" ? `<!-- generated:${name} ... --> ... <!-- /generated:${name} -->` : `// generated:${name} ... // /generated:${name}`;
      throw new Error(`${file}: missing ${markers} markers`);
    }
    const separator = style === "markdown" ? "\n\n" : "\n";
    out = out.replace(re, (_all, open: string, close: string) => `${open}${separator}${content}${separator}${close}`);
  }
  return out;
}
