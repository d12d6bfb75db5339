// Public surface of the analyst dashboard.

export { createDashboardHandler, type DashboardHandlerOptions } from "./app.js";
export type { Role } from "./auth.js";
export { type Dashboard, type DashboardOptions, startDashboard } from "./server.js";
