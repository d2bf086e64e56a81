// HTML escaping for the server-rendered pages: every value from the kernel or /proc goes through it.
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
