export { formatMmSs } from '../../protocol/time.js';
