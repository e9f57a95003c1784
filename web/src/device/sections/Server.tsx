// Being written: see sections/index.ts.
export function ServerSection() {
  return null;
}
