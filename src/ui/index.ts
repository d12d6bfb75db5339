// Public surface of the analyst dashboard.

export { createDashboardHandler, type DashboardHandlerOptions } from "./app.js";
export { csrfOk, type Role, type Session, Sessions } from "./auth.js";
export { type Dashboard, type DashboardOptions, startDashboard } from "./server.js";
