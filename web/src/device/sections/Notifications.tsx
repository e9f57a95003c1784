// Being written: see sections/index.ts.
export function NotificationsSection() {
  return null;
}
