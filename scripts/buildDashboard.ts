/** `npm run build:dashboard`: builds src/dashboard into dist/dashboard (Vite), whether stale or not. */
import { buildDashboard, DASHBOARD_OUT } from '../src/cli/dashboardBuild.ts';

await buildDashboard();
console.log(`dashboard built in ${DASHBOARD_OUT}`);
