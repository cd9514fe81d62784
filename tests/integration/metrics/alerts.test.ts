/** The alert rules in docs/alerts: valid for Prometheus, each firing when it should (promtool's rule tests). */
import { join } from 'node:path';
import { promtool } from './promtool';

const ALERTS = join(__dirname, '..', '..', '..', 'docs', 'alerts');

describe('docs/alerts/earlypay.rules.yml', () => {
  it('is a valid rule file', () => {
    const r = promtool(['check', 'rules', 'earlypay.rules.yml'], undefined, ALERTS);
    expect(r.output).toMatch(/SUCCESS: 6 rules found/);
    expect(r.code).toBe(0);
  });

  it('passes its rule tests: every alert fires when it should and stays quiet otherwise', () => {
    const r = promtool(['test', 'rules', 'earlypay.rules.test.yml'], undefined, ALERTS);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });
});
