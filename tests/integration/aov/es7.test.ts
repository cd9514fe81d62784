/** The daily/weekly SQL comparison (scenario.ts) on Elasticsearch 7.17 (ES7_URL), the version the original system ran. */
import { ES7_URL } from '../support';
import { AovScenario, registerComparison } from './scenario';

const scenario = new AovScenario(ES7_URL, 'aov7');

beforeAll(() => scenario.start());
afterAll(() => scenario.stop());

describe('daily and weekly against SQL (ES 7.17)', () => {
  it('runs on 7.17', async () => {
    const nodes = await scenario.world.es.nodes.info();
    expect(Object.values(nodes.nodes)[0]!.version).toMatch(/^7\.17\./);
  });

  registerComparison(scenario);
});
