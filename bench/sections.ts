/**
 * Sections of bench/RESULTS.md that another tool writes (`npm run chaos`): each between two
 * markers, replaced in place by its tool and kept when the benchmark rewrites the rest.
 */
const start = (name: string): string => `<!-- ${name}: written by npm run ${name}, kept by npm run bench -->`;
const end = (name: string): string => `<!-- /${name} -->`;

/** The section `name` of `text`, markers included, or '' when there is none. */
export function sectionOf(text: string, name: string): string {
  const from = text.indexOf(start(name));
  const to = text.indexOf(end(name));
  return from >= 0 && to > from ? text.slice(from, to + end(name).length) : '';
}

/** `text` with the section `name` replaced by `body` (appended when there is none). */
export function withSection(text: string, name: string, body: string): string {
  const section = `${start(name)}\n${body.trimEnd()}\n${end(name)}`;
  const old = sectionOf(text, name);
  return old ? text.replace(old, section) : `${text.trimEnd()}\n\n${section}\n`;
}
