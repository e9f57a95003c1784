// Being written: see sections/index.ts.
export function DataSection() {
  return null;
}
