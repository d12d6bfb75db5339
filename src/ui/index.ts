// Public surface of the analyst dashboard.
export { csrfOk, type Role, type Session, Sessions } from "./auth.js";
export { type Dashboard, type DashboardOptions, startDashboard } from "./server.js";
