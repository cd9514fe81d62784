/**
 * A JSON object writer made from a list of fields, for the one document the product writes by
 * the million (the sale, sales/saleJson.ts). It writes exactly JSON.stringify's bytes for an
 * object whose own keys are those fields in that order. The writer is generated once, field by
 * field by name: a loop over the list that read each value by a computed name and chose its form
 * at run time cost a third more CPU (docs/performance.md "JSON written as bytes").
 */
import { asciiBytes, type JsonBytes } from './jsonBytes';
import type { SourceText } from './utf8Text';

/** How a field's value is held, and so written. */
export type JsonForm = 'string' | 'string?' | 'text?' | 'number' | 'number?' | 'boolean' | 'strings';

/** The TypeScript type of a value of each form. */
export interface JsonFormValues {
  string: string;
  'string?': string | null;
  'text?': SourceText | null;
  number: number;
  'number?': number | null;
  boolean: boolean;
  strings: string[];
}

export type ObjectWriter = (value: object, out: JsonBytes) => void;

/** What writes a value of each form; `v` is the value. */
const WRITE: Record<JsonForm, string> = {
  string: 'out.string(v);',
  'string?': 'out.string(v);',
  'text?': 'out.sourceText(v);',
  number: 'out.number(v);',
  'number?': "if (v === null) out.ascii('null'); else out.number(v);",
  boolean: "out.ascii(v ? 'true' : 'false');",
  strings: 'list(out, v);',
};

function list(out: JsonBytes, values: readonly string[]): void {
  out.ascii('[');
  for (let j = 0; j < values.length; j++) {
    if (j > 0) out.ascii(',');
    out.string(values[j]!);
  }
  out.ascii(']');
}

/** The writer of objects with these fields, in this order. */
export function compileObjectWriter(fields: readonly { name: string; form: JsonForm }[]): ObjectWriter {
  if (fields.length === 0) throw new TypeError('an object writer needs at least one field');
  // `{"id":`, `,"created":`, …: each key with what precedes it, encoded once.
  const keys = fields.map(({ name }, i) => asciiBytes(`${i === 0 ? '{' : ','}${JSON.stringify(name)}:`));
  const body = fields.map(({ name, form }, i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`not a field name: ${JSON.stringify(name)}`);
    return `out.bytes(K[${i}]); { const v = d.${name}; ${WRITE[form]} }`;
  });
  const make = new Function(
    'K',
    'list',
    `return function writeObject(d, out) {\n${body.join('\n')}\nout.ascii('}');\n};`,
  );
  return make(keys, list) as ObjectWriter;
}
