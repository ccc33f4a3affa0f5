/** Name and version every lane reports. */
export const SERVER_INFO = Object.freeze({ name: "tenant-mcp", title: "tenant-mcp", version: "0.1.0" });

/** Instructions sent at initialize (session) and in `server/discover` (stateless). */
export const SERVER_INSTRUCTIONS =
  "Tools over this tenant's workspaces and documents. Every call sees only the tenant of the API key in use.";
