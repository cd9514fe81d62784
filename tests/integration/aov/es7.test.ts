/**
 * The daily/weekly SQL comparison (scenario.ts) on Elasticsearch 7.17 (ES7_URL), the version the original system ran.
 */
import { ES7_URL } from '../../support';
import { registerComparisonOn } from './scenario';

registerComparisonOn(ES7_URL, 7);
