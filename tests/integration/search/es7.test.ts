/** The search paths (compat.ts) on Elasticsearch 7.17 (ES7_URL), the version the original system ran. */
import { ES7_URL } from '../../support';
import { registerSearchCompat } from './compat';

registerSearchCompat(ES7_URL, 7);
