/**
 * Korean free text on every supported major (7.17, 8.x, 9.x; no analysis plugin on any of
 * them): words inside compounds, several words written without the space, and nothing that is
 * not there. Every query is compared with plain substring search over the same texts; and an
 * index from before `text_grams` gets them through `setup`.
 */
import { ES7_URL, ES9_URL, ES_URL } from '../../support';
import { SearchWorld, ndjson, row } from './seed';
import { definitionOf } from '../../../src/core/es/indices';
import { hangulWords } from '../../../src/core/sales/hangulGrams';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import type { SourceRow } from '../../../src/core/source/row';

const TEXTS: Partial<SourceRow>[] = [
  { remark: '배달지연으로 고객 문의', result_msg: '정상승인' },
  { result_msg: '승인거절' },
  { result_msg: '승인 거절: 한도 초과' },
  { remark: '거절 후 재승인 요청', result_msg: '정상승인' },
  { remark: '지연', result_msg: null },
  { remark: '승 인', result_msg: '처리중' },
  { remark: null, result_msg: '취소완료', raw_data: JSON.stringify({ memo: '포장주문 요청사항 없음', code: 'ORD-1' }) },
  { remark: 'refund (partial) 환불', result_msg: 'OK' },
  { remark: '단체주문', result_msg: '승인취소' },
];

const QUERIES = [
  '승인',
  '지연',
  '승인 거절',
  '승인거절',
  '인거',
  '거절승인',
  '상승',
  '주문',
  '포장주문',
  '요청',
  '취소',
  '환불 refund',
  '승',
  '청',
  '배달 지연',
  '배달지연',
  '지연으로',
  '단체 주문',
  '한도초과',
  '문의 고객',
  '없는말',
  '승인, 거절!',
];

/** Every Hangul word of the query occurs inside a Hangul word of one of the sale's texts. */
function containsAll(d: SaleDocument, query: string): boolean {
  const words = [d.remark, d.result_msg, d.raw_data].flatMap((t) => (t ? hangulWords(String(t)) : []));
  const latin = [d.remark, d.result_msg, d.raw_data].join(' ').toLowerCase();
  return (
    hangulWords(query).every((q) => words.some((w) => w.includes(q))) &&
    (query.match(/[a-z]+/gi) ?? []).every((w) => latin.includes(w.toLowerCase()))
  );
}

describe.each([
  ['7.17', ES7_URL],
  ['8.x', ES_URL],
  ['9.x', ES9_URL],
])('Korean search on Elasticsearch %s', (_version, url) => {
  const world = new SearchWorld(url);
  let docs: SaleDocument[] = [];

  beforeAll(async () => {
    await world.start();
    docs = await world.indexSales(TEXTS.map((t, i) => row({ id: 30_000 + i, remark: null, raw_data: null, ...t })));
  });
  afterAll(() => world.stop());

  const ids = async (text: string): Promise<string[]> => {
    const r = await world.cli(['search', 'sales', '--text', text, '--all', '--fields', 'id', '--format', 'ndjson']);
    expect(r.stderr).not.toMatch(/earlypay:/);
    expect(r.code).toBe(0);
    return ndjson<{ id: string }>(r.stdout)
      .map((d) => d.id)
      .sort();
  };

  it.each(QUERIES)('--text %j finds exactly the sales whose texts contain it', async (query) => {
    expect(await ids(query)).toEqual(
      docs
        .filter((d) => containsAll(d, query))
        .map((d) => d.id)
        .sort(),
    );
  });

  it('finds words inside compounds and never what is not there', async () => {
    expect(await ids('승인')).toEqual(expect.arrayContaining(['30000', '30001', '30002', '30003', '30008']));
    expect(await ids('지연')).toEqual(['30000', '30004']);
    expect(await ids('승인 거절')).toEqual(['30001', '30002', '30003']);
    expect(await ids('승인거절')).toEqual(['30001']);
    expect(await ids('거절승인')).toEqual([]);
    expect(await ids('없는말')).toEqual([]);
  });
});

describe('setup upgrades a sales index from before text_grams', () => {
  const world = new SearchWorld(ES_URL);
  afterAll(() => world.stop());

  it('rewrites the existing sales behind the alias so that compounds are found', async () => {
    // The sales index as mapping version 1 wrote it: no text_grams, documents without them.
    const current = definitionOf('sales').mappings;
    const { text_grams: _gone, ...oldProperties } = current.properties!;
    const old = `${world.prefix}-sales-v1`;
    await world.es.indices.create({
      index: old,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { ...current, properties: oldProperties, _meta: { earlypay_mapping_version: 1 } },
      aliases: { [world.names.sales]: { is_write_index: true } },
    });
    const docs = TEXTS.map((t, i) => row({ id: 31_000 + i, remark: null, raw_data: null, ...t }));
    await world.indexSales(docs, (d) => {
      delete (d as Partial<SaleDocument>).text_grams;
    });

    const setup = await world.cli(['setup', '--json']);
    expect(setup.code).toBe(0);
    const result = JSON.parse(setup.stdout) as { indices: { alias: string; index: string; action: string }[] };
    expect(result.indices.find((r) => r.alias === world.names.sales)).toEqual({
      alias: world.names.sales,
      index: `${world.prefix}-sales-v5`,
      action: 'reindexed',
    });

    const r = await world.cli([
      'search',
      'sales',
      '--text',
      '승인거절',
      '--all',
      '--fields',
      'id',
      '--format',
      'ndjson',
    ]);
    expect(ndjson<{ id: string }>(r.stdout).map((d) => d.id)).toEqual(['31001']);
    const count = await world.es.count({ index: world.names.sales });
    expect(count.count).toBe(TEXTS.length);
    // A second setup has nothing left to do.
    const again = JSON.parse((await world.cli(['setup', '--json'])).stdout) as { changed: number };
    expect(again.changed).toBe(0);
  });
});
