/** The judge stage without servers: what a page of rows becomes, given what Elasticsearch holds. */
import { RuleThresholdsSchema } from '../../../src/core/config/config';
import { indexNames } from '../../../src/core/config/indexNames';
import { withdrawalOps } from '../../../src/core/ingest/contract';
import { judgePage, lookupKeys, mapPage, type JudgeContext } from '../../../src/core/ingest/judge';
import type { BatchLookups, StoredDeadLetter, StoredSale } from '../../../src/core/ingest/lookups';
import { RULE_IDS, diffSaleAnomalies } from '../../../src/core/rules/rules';
import { mapSourceRow } from '../../../src/core/sales/saleDocument';
import { rowFingerprint } from '../../../src/core/source/fingerprint';
import { listedRows, row } from '../../support/sourceRow';

const names = indexNames('t');
const ctx: JudgeContext = {
  names,
  table: 'platform_sales',
  runId: 'run-1',
  sourceTz: 'Asia/Seoul',
  businessTz: 'Asia/Seoul',
  thresholds: RuleThresholdsSchema.parse({}),
  now: new Date('2024-07-01T00:00:00Z'),
  overwrite: false,
};
function found(
  stored: Record<string, StoredSale> = {},
  deadLetters: Record<string, StoredDeadLetter> = {},
  validAgain: string[] = [],
): BatchLookups {
  return {
    stored: new Map(Object.entries(stored)),
    deadLetters: new Map(Object.entries(deadLetters)),
    validAgain: new Set(validAgain),
    baseline: () => null,
  };
}
/** What Elasticsearch holds after this row was written as the judge wrote it. */
function storedAs(r: ReturnType<typeof row>, rules: string[] = []): StoredSale {
  const m = mapSourceRow(r, { sourceTz: 'Asia/Seoul', businessTz: 'Asia/Seoul', ingestedAt: 'x' });
  if (!m.ok) throw new Error('rejected');
  return {
    sale_date: m.sale.doc.sale_date,
    anomaly_rules: rules,
    row_fingerprint: m.sale.doc.row_fingerprint,
    text_bytes: 0,
    version: m.sale.version,
  };
}
const kinds = (ops: { kind: string; index: string; id: string }[]) =>
  ops.map((o) => `${o.kind} ${o.index.replace('t-', '')} ${o.id}`);

describe('judge', () => {
  it('into empty indices: a sale document, an anomaly per finding, a dead letter per rejected row', () => {
    const page = mapPage(
      listedRows([row({ id: '1' }), row({ id: '2', amount_deposit: 1 }), row({ id: '3', store_id: null })]),
      ctx,
    );
    const out = judgePage(page, found(), ctx);
    expect(kinds(out.ops)).toEqual([
      'upsert deadletter platform_sales:3',
      'index sales 1',
      'index sales 2',
      'upsert anomalies 2:DEPOSIT_MISMATCH',
    ]);
    expect(out).toMatchObject({
      accepted: 2,
      rejected: 1,
      unchanged: 0,
      flagged: 1,
      withdrawals: [],
      days: new Set(['2024-05-01']),
    });
    expect(out.ops[1]).toMatchObject({ version: Date.parse('2024-05-01T12:00:05+09:00'), versionType: 'external_gte' });
  });

  it(
    "the documents it writes are mapSourceRow's, text_grams included; rows it does not write get none " + 'computed',
    () => {
      const texts = { remark: '배달 요청', result_msg: '정상승인', raw_data: '{"shopName":"소문난분식 일산점"}' };
      const page = mapPage(listedRows([row({ id: '1', ...texts }), row({ id: '2', ...texts })]), ctx);
      const full = mapSourceRow(row({ id: '1', ...texts }), {
        sourceTz: 'Asia/Seoul',
        businessTz: 'Asia/Seoul',
        ingestedAt: ctx.now.toISOString(),
      });
      if (!full.ok) throw new Error('rejected');
      expect(full.sale.doc.text_grams).toEqual([
        '배달 달',
        '요청 청',
        '정상 상승 승인 인',
        '소문 문난 난분 분식 식',
        '일산 산점 점',
      ]);
      const out = judgePage(page, found({ 2: storedAs(row({ id: '2', ...texts })) }), ctx);
      expect(kinds(out.ops)).toEqual(['index sales 1']);
      expect((out.ops[0] as { doc: object }).doc).toEqual(full.sale.doc);
      expect(page.accepted[1]!.doc.text_grams).toEqual([]);
    },
  );

  it('asks the lookups for every id that may have a document, and the dead letters of rejected rows', () => {
    const keys = lookupKeys(
      mapPage(listedRows([row({ id: '1' }), row({ id: '3', store_id: null }), row({ id: null })]), ctx),
      ctx,
    );
    expect(keys.saleIds).toEqual(['1', '3']);
    expect(keys.deadLetterIds).toEqual([
      'platform_sales:3',
      expect.stringMatching(/^platform_sales:sha1:[0-9a-f]{40}$/),
    ]);
    expect(keys.acceptedDeadLetterIds).toEqual(['platform_sales:1']);
  });

  it('removes the dead letter of a row rejected once and accepted now, even when its document is current', () => {
    const valid = row({ id: '5' });
    const page = mapPage(listedRows([valid, row({ id: '6' })]), ctx);
    const out = judgePage(page, found({ 5: storedAs(valid) }, {}, ['platform_sales:5']), ctx);
    expect(kinds(out.ops)).toEqual(['delete deadletter platform_sales:5', 'index sales 6']);
    expect(out).toMatchObject({ validAgain: 1, unchanged: 1 });
  });

  it(
    'a row Elasticsearch already holds as it is, and a dead ' + 'letter held as it is, write nothing and change no day',
    () => {
      const rejected = row({ id: '3', store_id: null });
      const page = mapPage(listedRows([row({ id: '1' }), row({ id: '2', amount_deposit: 1 }), rejected]), ctx);
      const held = { row_fingerprint: rowFingerprint(rejected), reason_code: ['MISSING_STORE_ID'] };
      const out = judgePage(
        page,
        found(
          { 1: storedAs(row({ id: '1' })), 2: storedAs(row({ id: '2', amount_deposit: 1 }), ['DEPOSIT_MISMATCH']) },
          { 'platform_sales:3': held },
        ),
        ctx,
      );
      expect(out.ops).toEqual([]);
      expect(out).toMatchObject({ accepted: 2, rejected: 1, unchanged: 2, flagged: 1, days: new Set() });
      // Held with another row (or before dead letters had fingerprints): written again, with the fingerprint.
      for (const other of [{ ...held, row_fingerprint: 1 }, { reason_code: ['MISSING_STORE_ID'] }]) {
        const again = judgePage(mapPage(listedRows([rejected]), ctx), found({}, { 'platform_sales:3': other }), ctx);
        expect(kinds(again.ops)).toEqual(['upsert deadletter platform_sales:3']);
        expect((again.ops[0] as { doc: { row_fingerprint: number } }).doc.row_fingerprint).toBe(
          rowFingerprint(rejected),
        );
      }
    },
  );

  it('a changed row is written: other fingerprint, version, day or rules', () => {
    const stored = storedAs(row({ id: '1' }));
    for (const s of [
      { ...stored, row_fingerprint: 1 },
      { ...stored, version: 1 },
      { ...stored, sale_date: '2024-04-30' },
      { ...stored, anomaly_rules: ['DEPOSIT_MISMATCH'] },
      { ...stored, row_fingerprint: undefined },
      { ...stored, text_bytes: undefined },
    ]) {
      const out = judgePage(mapPage(listedRows([row({ id: '1' })]), ctx), found({ 1: s }), ctx);
      expect(out.unchanged).toBe(0);
      expect(kinds(out.ops)[0]).toBe('index sales 1');
    }
    // Moved from 04-30: both days changed. A rule that stopped firing: its anomaly goes.
    const moved = judgePage(
      mapPage(listedRows([row({ id: '1' })]), ctx),
      found({ 1: { ...stored, sale_date: '2024-04-30', anomaly_rules: ['DEPOSIT_MISMATCH'] } }),
      ctx,
    );
    expect(moved.days).toEqual(new Set(['2024-05-01', '2024-04-30']));
    expect(kinds(moved.ops)).toEqual(['index sales 1', 'delete anomalies 1:DEPOSIT_MISMATCH']);
    expect(moved.cleared).toBe(1);
  });

  it('REPEATED_AMOUNT is kept as stored (settling ranks it once), never cleared by the per-sale diff', () => {
    const stored = { ...storedAs(row({ id: '1' })), anomaly_rules: ['REPEATED_AMOUNT'], row_fingerprint: 7 };
    const out = judgePage(mapPage(listedRows([row({ id: '1' })]), ctx), found({ 1: stored }), ctx);
    expect(kinds(out.ops)).toEqual(['index sales 1']);
    expect((out.ops[0] as { doc: { anomaly_rules: string[] } }).doc.anomaly_rules).toEqual(['REPEATED_AMOUNT']);
  });

  it('a row accepted once and invalid now is dead-lettered and withdrawn, its day marked', () => {
    const out = judgePage(
      mapPage(listedRows([row({ id: '5', card_number: '' })]), ctx),
      found({ 5: { sale_date: '2024-05-01', anomaly_rules: ['DEPOSIT_MISMATCH'], version: 1 } }),
      ctx,
    );
    expect(kinds(out.ops)).toEqual(['upsert deadletter platform_sales:5']);
    expect(out).toMatchObject({
      withdrawals: [{ saleId: '5', day: '2024-05-01', cause: 'invalid', version: 1, reason: 'MISSING_CARD_NUMBER' }],
      days: new Set(['2024-05-01']),
    });
    // Withdrawing deletes the sale and its anomaly document of every rule (one list: contract.ts);
    // the sale at its stored version, so that the row written again at it is back at once.
    const ops = withdrawalOps(names, out.withdrawals[0]!);
    expect(kinds(ops)).toEqual(['delete sales 5', ...RULE_IDS.map((rule) => `delete anomalies 5:${rule}`)]);
    expect(ops[0]).toMatchObject({ version: 1, versionType: 'external_gte' });
  });

  it("a row a repair names and MySQL no longer has is withdrawn, on its stored document's day", () => {
    const page = mapPage(listedRows([]), ctx, [{ id: '7', day: '2024-04-30' }, { id: '8' }]);
    expect(lookupKeys(page, ctx).saleIds).toEqual(['7', '8']);
    const out = judgePage(page, found({ 7: { sale_date: '2024-05-01', anomaly_rules: [], version: 1 } }), ctx);
    expect(out.ops).toEqual([]);
    expect(out.withdrawals).toEqual([
      { saleId: '7', day: '2024-05-01', cause: 'gone', version: 1, reason: 'GONE' },
      { saleId: '8', day: undefined, cause: 'gone', version: undefined, reason: 'GONE' },
    ]);
    expect(out.days).toEqual(new Set(['2024-05-01']));
  });

  it('overwrite (reconcile --repair) writes every sale at max(its version, the stored one)', () => {
    const stored = storedAs(row({ id: '1' }));
    const out = judgePage(
      mapPage(listedRows([row({ id: '1' })]), ctx),
      found({ 1: { ...stored, version: stored.version + 5 } }),
      { ...ctx, overwrite: true },
    );
    expect(out.ops[0]).toMatchObject({ kind: 'index', version: stored.version + 5 });
    const same = judgePage(mapPage(listedRows([row({ id: '1' })]), ctx), found({ 1: stored }), {
      ...ctx,
      overwrite: true,
    });
    expect(same.unchanged).toBe(0);
  });
});

describe('diffSaleAnomalies (ingest and anomalies scan)', () => {
  const f = (rule: 'DEPOSIT_MISMATCH' | 'SALE_IN_FUTURE') => ({
    rule,
    severity: 'medium' as const,
    baseline: null,
    threshold: null,
    reason: '',
  });
  it('new rules sorted, stopped rules cleared, the group rule carried and never cleared', () => {
    expect(
      diffSaleAnomalies([f('SALE_IN_FUTURE'), f('DEPOSIT_MISMATCH')], {
        rules: ['FEE_RATE_OUT_OF_RANGE', 'REPEATED_AMOUNT', 'DEPOSIT_MISMATCH'],
        groupRule: true,
      }),
    ).toEqual({ rules: ['DEPOSIT_MISMATCH', 'REPEATED_AMOUNT', 'SALE_IN_FUTURE'], cleared: ['FEE_RATE_OUT_OF_RANGE'] });
    expect(diffSaleAnomalies([], { rules: [], groupRule: false })).toEqual({ rules: [], cleared: [] });
  });
});
