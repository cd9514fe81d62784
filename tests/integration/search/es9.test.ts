/** The search paths (compat.ts) on Elasticsearch 9.x (ES9_URL), the current major. */
import { ES9_URL } from '../../support';
import { registerSearchCompat } from './compat';

registerSearchCompat(ES9_URL, 9);
