/** The daily/weekly SQL comparison (scenario.ts) on Elasticsearch 9.x (ES9_URL), the current major. */
import { ES9_URL } from '../../support';
import { registerComparisonOn } from './scenario';

registerComparisonOn(ES9_URL, 9);
